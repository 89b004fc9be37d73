"""Village profiles (村情档案): one row per village and year, and the county's weak-village threshold.

A village is a *key village* (重点村) in a year when it is an ex-poor village (脱贫村), a slack village
(软弱涣散村) or a village with a weak collective economy (集体经济薄弱村). The last is derived: its
collective-economy income that year is below the county's threshold, unless the county set it by
hand either way (``weak_setting``). The database decides it (``VillageProfileQuerySet.with_weak``),
so lists, counts and checks agree.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel, RegionScopedQuerySet

__all__ = ["DEFAULT_WEAK_THRESHOLD", "INDICATORS", "VillageProfile", "VillageSettings", "WeakSetting"]

# 集体经济薄弱村: many provinces draw the line at 100,000 yuan of annual operating income.
DEFAULT_WEAK_THRESHOLD = Decimal("100000.00")


def _money(label):
    return models.DecimalField(label, max_digits=14, decimal_places=2, null=True, blank=True)


class VillageSettings(RegionScopedModel):
    """A county's settings for its village profiles (``region_code``: the county's code)."""

    weak_threshold = models.DecimalField(
        _("weak collective economy below (yuan per year)"), max_digits=14, decimal_places=2,
        default=DEFAULT_WEAK_THRESHOLD,
    )

    class Meta:
        verbose_name = _("village profile settings")
        verbose_name_plural = _("village profile settings")
        constraints = [models.UniqueConstraint(fields=["region_code"], name="villagesettings_one_per_county")]

    def __str__(self) -> str:
        return f"{self.region_code}: {self.weak_threshold}"


class WeakSetting(models.TextChoices):
    DERIVED = "derived", _("From the collective-economy income")
    WEAK = "weak", _("Weak (set by hand)")
    NOT_WEAK = "not_weak", _("Not weak (set by hand)")


# The infrastructure and public-service indicators (field name, label), in the order pages show them.
INDICATORS = (
    ("hardened_road", _("Hardened road to the village")),  # 通硬化路
    ("tap_water", _("Safe tap water")),  # 通自来水
    ("broadband", _("Broadband")),  # 通宽带
    ("clinic", _("Standard village clinic")),  # 标准化卫生室
    ("school", _("School or teaching point")),  # 小学或教学点
)


def threshold_subquery() -> Subquery:
    """The threshold of the county of the row's ``region_code`` (its first six digits)."""
    return Subquery(
        VillageSettings.objects.filter(region_code=Substr(OuterRef("region_code"), 1, 6)).values("weak_threshold")[:1],
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
    )


def weak_condition() -> Q:
    """Weak: set so by hand, or derived and the income below the (annotated) ``threshold``."""
    return Q(weak_setting=WeakSetting.WEAK) | (
        Q(weak_setting=WeakSetting.DERIVED) & Q(collective_income__isnull=False)
        & Q(collective_income__lt=F("threshold"))
    )


def key_condition() -> Q:
    return Q(ex_poor=True) | Q(slack=True) | Q(is_weak=True)


class VillageProfileQuerySet(RegionScopedQuerySet):
    def with_weak(self) -> VillageProfileQuerySet:
        """Annotate ``threshold`` (the county's, or the default) and ``is_weak`` and ``is_key``."""
        annotated = self.annotate(threshold=Coalesce(threshold_subquery(), Value(DEFAULT_WEAK_THRESHOLD)))
        annotated = annotated.annotate(
            is_weak=Case(When(weak_condition(), then=Value(True)), default=Value(False),
                         output_field=models.BooleanField()))
        return annotated.annotate(
            is_key=Case(When(key_condition(), then=Value(True)), default=Value(False),
                        output_field=models.BooleanField()))

    def key(self) -> VillageProfileQuerySet:
        return self.with_weak().filter(is_key=True)


class VillageProfile(RegionScopedModel):
    """A village's profile for one year: its categories, collective economy and indicators."""

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("village"))
    year = models.PositiveSmallIntegerField(_("year"))
    ex_poor = models.BooleanField(_("ex-poor village"), default=False)  # 脱贫村
    slack = models.BooleanField(_("slack village"), default=False)  # 软弱涣散村
    weak_setting = models.CharField(_("weak collective economy"), max_length=10, choices=WeakSetting.choices,
                                    default=WeakSetting.DERIVED)
    collective_income = _money(_("collective-economy income (yuan)"))
    hardened_road = models.BooleanField(_("hardened road to the village"), default=False)
    tap_water = models.BooleanField(_("safe tap water"), default=False)
    broadband = models.BooleanField(_("broadband"), default=False)
    clinic = models.BooleanField(_("standard village clinic"), default=False)
    school = models.BooleanField(_("school or teaching point"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = VillageProfileQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "-year"]
        verbose_name = _("village profile")
        verbose_name_plural = _("village profiles")
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="villageprofile_one_per_year")]
        indexes = [models.Index(fields=["year", "region_code"])]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year}"

    def save(self, *args, **kwargs):
        self.region_code = self.village_id
        super().save(*args, **kwargs)

    def indicator_values(self) -> list[tuple[str, bool]]:
        return [(label, bool(getattr(self, name))) for name, label in INDICATORS]
