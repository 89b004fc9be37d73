from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shouwang.core"
    label = "core"
    verbose_name = _("Common")

    def ready(self):
        from django.db.models import fields

        from .permissions import autodiscover

        # Django's blank choice ("- Select an option -") has no Chinese in Django's catalogue; a
        # msgid of ours is translated with the site. Set before the other apps' ready() import forms.
        fields.BLANK_CHOICE_LABEL = _("(choose)")

        autodiscover()

        from django.db.backends.signals import connection_created

        from .files import protect_sqlite_files
        from .scheduling import register_periodic
        from .tasks import FILE_SWEEP_KIND, FILE_SWEEP_MINUTES, run_file_sweep

        # The SQLite database and its WAL hold personal data: readable by the service's account only.
        connection_created.connect(protect_sqlite_files, dispatch_uid="core.protect_sqlite_files")
        # Uploads and exports past their keep period are deleted every hour (security.md G23).
        register_periodic(FILE_SWEEP_KIND, run_file_sweep, label=_("Deleting old uploads and exports"),
                          every_minutes=FILE_SWEEP_MINUTES)

        # The nightly encrypted backup (core.backup; docs/backup.md), at a time the county may change.
        from .backup_tasks import BACKUP_KIND, run_backup_job

        register_periodic(BACKUP_KIND, run_backup_job, label=_("Encrypted database backup"), default_time="00:30")

        # The audit chains: anchored outside the database each day, then verified (core.anchors).
        from .audit_tasks import ANCHOR_KIND, VERIFY_KIND, run_anchor_job, run_verify_job

        register_periodic(ANCHOR_KIND, run_anchor_job, label=_("Audit log anchor"), default_time="00:05")
        register_periodic(VERIFY_KIND, run_verify_job, label=_("Audit log verification"), default_time="04:30")
