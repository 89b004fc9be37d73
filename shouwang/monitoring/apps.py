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
