from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "shouwang.registry"
    label = "registry"
    verbose_name = _("Household registry")

    def ready(self) -> None:
        from .households import signals

        signals.connect()

        from shouwang.core.audit import register_object_type

        # The access log's entries of an import are not models: the audit pages name them.
        register_object_type("registry_import", _("registry import"))
        register_object_type("registry_import_report", _("registry import report"))
        # A household an import creates is one change-log entry holding its new members and years.
        register_object_type("registry.household", fields={"members": _("members"), "years": _("income years")})
