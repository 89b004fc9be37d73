"""Screening rules as data: a boolean expression over household-year facts, with parameters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import TimeStampedModel


class RiskType(models.TextChoices):
    """Risk types of policy.md §4.1 (proposed codes, not official)."""

    YB = "YB", _("Illness")
    YX = "YX", _("Schooling costs")
    YC = "YC", _("Disability")
    YZRZH = "YZRZH", _("Natural disaster")
    YYWSG = "YYWSG", _("Accident")
    YCYXMSB = "YCYXMSB", _("Failure of a farming or business project")
    YWGJYBW = "YWGJYBW", _("Unstable employment")
    QLDL = "QLDL", _("Lack of labour")
    QT = "QT", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Rule(TimeStampedModel):
    """One screening rule. Edit it through ``services.save_rule``, which validates and versions it."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    risk_type = models.CharField(_("suggested risk type"), max_length=10, choices=RiskType.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    expression = models.TextField(_("expression"))
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("screening rule")
        verbose_name_plural = _("screening rules")

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        """The name in the active language (Chinese unless the page is in English)."""
        from django.utils.translation import get_language

        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name_zh


class RuleVersion(models.Model):
    """A copy of a rule as it was saved: warnings cite the version that raised them."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions", verbose_name=_("rule"))
    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    risk_type = models.CharField(_("suggested risk type"), max_length=10, blank=True)
    severity = models.CharField(_("severity"), max_length=10)
    expression = models.TextField(_("expression"))
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    active = models.BooleanField(_("active"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["rule_id", "-version"]
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        constraints = [models.UniqueConstraint(fields=["rule", "version"], name="ruleversion_unique_version")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"
