from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RevitalizationConfig(AppConfig):
    name = "shouwang.revitalization"
    label = "revitalization"
    verbose_name = _("Rural revitalization")

    def ready(self) -> None:
        # Each feature package plugs itself in (signals, periodic jobs, audit object types) from its own
        # wiring, called here so that this file stays a list.
        from .cadres import wiring as cadres_wiring

        cadres_wiring.connect()
        from .enrolment import wiring as enrolment_wiring

        enrolment_wiring.connect()
        from .projects import wiring as projects_wiring

        projects_wiring.connect()
        from .mechanism import wiring as mechanism_wiring

        mechanism_wiring.connect()
        from .relative import wiring as relative_wiring

        relative_wiring.connect()
