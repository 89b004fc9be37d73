from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "shouwang.cases"
    label = "cases"
    verbose_name = _("Identification, assistance and risk elimination")
