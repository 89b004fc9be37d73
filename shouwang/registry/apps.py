from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "shouwang.registry"
    label = "registry"
    verbose_name = _("Household registry")

    def ready(self) -> None:
        from .households import signals

        signals.connect()
