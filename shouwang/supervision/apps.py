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
        from .quality import exports as quality_exports  # noqa: F401
        from .spotchecks import exports as spotchecks_exports  # noqa: F401

        # After a screening run, an import commit, a warning or case transition: recount the villages.
        data_changed.connect(on_data_changed, dispatch_uid="supervision.dashboards.refresh")
