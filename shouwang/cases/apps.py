from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "shouwang.cases"
    label = "cases"
    verbose_name = _("Identification, assistance and risk elimination")

    def ready(self) -> None:
        # Monitoring must not import cases (DESIGN.md: dependencies run one way), so cases tells
        # it which households have an open case (their new risk signals go on the case) and
        # opens the case a warning is escalated to.
        from shouwang.monitoring.warnings.services import register_case_lookup, register_escalation

        from .casefiles.screening import open_case_ids
        from .casework.panels import register_panels
        from .casework.wiring import connect
        from .procedure.opening import case_for_warning

        register_case_lookup(open_case_ids)
        register_escalation(case_for_warning)
        # The household and warning pages show the cases panels (shouwang.registry.panels).
        register_panels()
        # The procedure engine and the case's page import no feature above them: the features'
        # actions, step checks and page sections are registered with them here.
        connect()
