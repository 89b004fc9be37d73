from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "shouwang.cases"
    label = "cases"
    verbose_name = _("Identification, assistance and risk elimination")

    def ready(self) -> None:
        # Monitoring must not import cases (DESIGN.md: dependencies run one way), so cases tells
        # screening which household/rule pairs are already being dealt with by an open case.
        from shouwang.monitoring.screening.services import register_suppression_provider

        from .casefiles.screening import suppressed_pairs
        from .casework.panels import register_panels
        from .casework.wiring import connect

        register_suppression_provider(suppressed_pairs)
        # The household and warning pages show the cases panels (shouwang.registry.panels).
        register_panels()
        # The procedure engine and the case's page import no feature above them: the features'
        # actions, step checks and page sections are registered with them here.
        connect()
