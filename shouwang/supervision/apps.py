from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "shouwang.supervision"
    label = "supervision"
    verbose_name = _("Command, supervision and assessment")

    def ready(self) -> None:
        # The lists each concern registers with the export framework (shouwang.supervision.exports).
        from . import exports_assessment, exports_dashboards, exports_lists, exports_operations  # noqa: F401
