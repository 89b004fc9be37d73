from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "shouwang.accounts"
    label = "accounts"
    verbose_name = _("Users and permissions")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from . import signals

        # login success/failure → the lock counter and the access log
        user_login_failed.connect(signals.on_login_failed, dispatch_uid="shouwang-login-failed")
        user_logged_in.connect(signals.on_logged_in, dispatch_uid="shouwang-logged-in")

        from shouwang.core.audit import register_object_type

        # A user's change-log entry keeps whether they may unmask, under a key that is not a field.
        register_object_type(
            "accounts.user",
            fields={"unmask": _("may see unmasked personal data"), "two_factor": _("second factor"),
                    "password": _("password")},
            values={"two_factor": {
                "enrolled": _("authenticator app set up"),
                "recovery_codes_renewed": _("new recovery codes made"),
                "recovery_code_used": _("a recovery code used"),
                "reset": _("reset by an administrator"),
            }},
        )
