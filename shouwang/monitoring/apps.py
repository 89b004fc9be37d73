from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "shouwang.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring and early warning")

    def ready(self) -> None:
        from .fieldwork.services import evidence_entries
        from .warnings.services import register_field_evidence

        # The warning pages list a field-work warning's reports and visits as field work words them.
        register_field_evidence(evidence_entries)

        from shouwang.core.scheduling import register_periodic
        from shouwang.core.signals import households_changed

        from .screening.tasks import on_households_changed
        from .warnings.tasks import JOB_KIND as OVERDUE_KIND
        from .warnings.tasks import run_overdue_job

        # A registry import or a feed commit (registry and feeds cannot import screening) has
        # committed: screen the households it changed, without anyone starting it.
        households_changed.connect(on_households_changed, dispatch_uid="monitoring.screening.changed")
        # Each night: which open warnings passed their date to verify (the time is the county's).
        register_periodic(OVERDUE_KIND, run_overdue_job, label=_("Overdue warnings check"), default_time="01:00")

        from shouwang.core.audit import register_object_type

        # The change log's entry of a screening run and the access log's of a feed import are not
        # models: the audit pages name them and the keys of what they hold.
        register_object_type("monitoring.screening", _("screening run"), {
            "year": _("year"), "region": _("region"), "window": _("feed window"),
            "households": _("households screened"), "signals_added": _("new signals"),
            "signals_unchanged": _("signals already open"), "warnings_created": _("households newly warned"),
            "per_rule": _("households per rule"), "seconds": _("seconds"),
        })
        from .warnings.services import ACTIONS

        register_object_type("monitoring.warning", fields={"action": _("action taken")},
                             values={"action": {code: action.label for code, action in ACTIONS.items()}})
        register_object_type("monitoring.selfreport", fields={"guardian": _("guardian"), "id": _("ID number")})
        register_object_type("monitoring.visit", fields={"tasks_done": _("visit tasks completed")})
        register_object_type("feed_import", _("department feed import"))
        register_object_type("feed_import_report", _("department feed import report"))
