from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "shouwang.supervision"
    label = "supervision"
    verbose_name = _("Command, supervision and assessment")

    def ready(self) -> None:
        from shouwang.core.signals import data_changed

        # Each feature registers its lists with the export framework (shouwang.supervision.exports)
        # when its exports module is imported; the lists of the parts below are in exports.lists.
        from .assessment import exports as assessment_exports  # noqa: F401
        from .dashboards import exports as dashboards_exports  # noqa: F401
        from .dashboards.tasks import on_data_changed
        from .dispatch import exports as dispatch_exports  # noqa: F401
        from .exports import lists as export_lists  # noqa: F401
        from .exports import (
            revitalization_assets,  # noqa: F401
            revitalization_cadres,  # noqa: F401
            revitalization_enrolment,  # noqa: F401
            revitalization_mechanism,  # noqa: F401
            revitalization_projects,  # noqa: F401
            revitalization_relative,  # noqa: F401
            revitalization_simulation,  # noqa: F401
        )
        from .quality import exports as quality_exports  # noqa: F401
        from .spotchecks import exports as spotchecks_exports  # noqa: F401
        from .takeover import exports as takeover_exports  # noqa: F401
        from .takeover import reconciliation_exports  # noqa: F401

        # After a screening run, an import commit, a warning or case transition: recount the villages.
        data_changed.connect(on_data_changed, dispatch_uid="supervision.dashboards.refresh")

        # The nightly work of the county, at times the county administrator sets on the periodic
        # jobs' page (shouwang.core.scheduling; `manage.py run_scheduler` starts them).
        from shouwang.core.scheduling import register_periodic

        from .assessment.tasks import SCHEDULED_KIND, run_scheduled_scorecards
        from .dashboards.tasks import JOB_KIND as DASHBOARD_KIND
        from .dashboards.tasks import run_refresh_job
        from .quality.services import JOB_KIND as QUALITY_KIND
        from .quality.tasks import run_quality_job

        register_periodic(DASHBOARD_KIND, run_refresh_job, label=_("Dashboard figures"), default_time="02:00")
        register_periodic(QUALITY_KIND, run_quality_job, label=_("Data-quality checks"), default_time="03:00")
        register_periodic(SCHEDULED_KIND, run_scheduled_scorecards, label=_("Scorecards of this month"),
                          default_time="04:00")

        # Export files past their keep period (unmasked: a day) go with the hourly sweep (core.files).
        from shouwang.core.files import register_sweeper

        from .exports.files import sweep_old_files

        register_sweeper("exports", sweep_old_files)

        # The village profile page (revitalization) shows the village's scorecard.
        from shouwang.revitalization.villages.services import register_panel

        from .assessment.panels import village_scorecard

        register_panel(village_scorecard)

        from shouwang.core.audit import register_object_type

        # A scorecard snapshot's change-log entry keeps its period under a key that is not a field.
        register_object_type("supervision.scorecardsnapshot", fields={"period": _("assessment period")})
        register_object_type("national_import", _("national takeover"))
        register_object_type("national_import_report", _("national takeover report"))
        register_object_type("national_export", _("export in the national layout"))
