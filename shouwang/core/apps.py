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
