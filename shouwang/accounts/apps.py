from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "shouwang.accounts"
    label = "accounts"
    verbose_name = _("Users and permissions")

    def ready(self):
        from . import signals  # noqa: F401  (login success/failure → access log)
