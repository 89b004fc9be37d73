"""Project assets (项目资产, 国办函〔2021〕51号): what the projects built or bought, and what became of it.

An ``Asset`` is kept in one of three ledgers by its class (经营性 operating, 公益性 public-welfare,
到户类 given to households), with its owner (所有权人), manager (管护主体), value and handover date,
the project that formed it (none for assets recorded before the project library). Condition checks
(``AssetCheck``), the income of each year and how it was distributed (``AssetIncome``: to the
collective, to households, to monitored households; never more than the year's income, held by a
check constraint as well as by the service) and disposals (``AssetDisposal``: requested in the
region, approved or refused at county level) hang off it. ``region_code`` is the code of the
region the asset lies in (a village, mostly).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import RegionScopedModel

__all__ = [
    "Asset", "AssetCheck", "AssetClass", "AssetCondition", "AssetDisposal", "AssetIncome", "AssetStatus",
    "DisposalKind", "DisposalStatus",
]


def _money(label, **kwargs):
    return models.DecimalField(label, max_digits=14, decimal_places=2, **kwargs)


class AssetClass(models.TextChoices):
    OPERATING = "operating", _("Operating asset")  # 经营性资产
    PUBLIC = "public", _("Public-welfare asset")  # 公益性资产
    HOUSEHOLD = "household", _("Asset given to households")  # 到户类资产


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("In use")
    IDLE = "idle", _("Idle")
    DISPOSED = "disposed", _("Disposed of")


class Asset(RegionScopedModel):
    """One asset in its class's ledger."""

    number = models.CharField(_("asset number"), max_length=40, unique=True)
    name = models.CharField(_("asset name"), max_length=200)
    asset_class = models.CharField(_("asset class"), max_length=10, choices=AssetClass.choices, db_index=True)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("located in"))
    # The project that formed it; none for an asset recorded before the project library.
    project = models.ForeignKey("revitalization.Project", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="assets", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=100, blank=True)  # 资产类型: 厂房, 道路, 冷库, 牛羊 …
    quantity = models.CharField(_("quantity"), max_length=60, blank=True)  # "1座", "3.2公里", "12头"
    formed_year = models.PositiveSmallIntegerField(_("year formed"), null=True, blank=True)
    value = _money(_("value (yuan)"), default=0)
    owner = models.CharField(_("owner"), max_length=200)  # 所有权人
    manager = models.CharField(_("manager"), max_length=200, blank=True)  # 管护 / 经营主体
    handover_date = models.DateField(_("handover date"), null=True, blank=True)
    # 到户类: the household given it (optional: an asset shared by several households names none).
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("household"))
    status = models.CharField(_("status"), max_length=10, choices=AssetStatus.choices, default=AssetStatus.IN_USE)
    note = models.CharField(_("note"), max_length=300, blank=True)
    import_batch = models.CharField(_("import batch"), max_length=64, blank=True)

    class Meta:
        ordering = ["region_code", "number"]
        verbose_name = _("project asset")
        verbose_name_plural = _("project assets")
        indexes = [models.Index(fields=["asset_class", "region_code"])]
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="asset_value_not_negative")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def save(self, *args, **kwargs):
        self.region_code = self.region_id
        super().save(*args, **kwargs)


class AssetCondition(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor, needs repair")
    IDLE = "idle", _("Idle")
    LOST = "lost", _("Damaged or lost")


class AssetCheck(RegionScopedModel):
    """A condition check (运营监测 / 状况评估): who checked, when, with what result."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="checks", verbose_name=_("asset"))
    checked_on = models.DateField(_("checked on"))
    checked_by = models.CharField(_("checked by"), max_length=100)
    result = models.CharField(_("result"), max_length=10, choices=AssetCondition.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ["asset_id", "-checked_on", "-id"]
        verbose_name = _("asset condition check")
        verbose_name_plural = _("asset condition checks")

    def __str__(self) -> str:
        return f"{self.asset_id} {self.checked_on}"

    def save(self, *args, **kwargs):
        self.region_code = self.asset.region_code
        super().save(*args, **kwargs)


class AssetIncome(RegionScopedModel):
    """An asset's income in one year and how it was distributed (收益分配).

    The three shares are disjoint: to the village collective, to households that are not monitored,
    and to monitored households; what is left of the income is retained (e.g. for maintenance).
    """

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="incomes", verbose_name=_("asset"))
    year = models.PositiveSmallIntegerField(_("year"))
    income = _money(_("income (yuan)"))
    to_collective = _money(_("to the village collective (yuan)"), default=0)
    to_households = _money(_("to households (yuan)"), default=0)
    to_monitored = _money(_("to monitored households (yuan)"), default=0)
    households_reached = models.PositiveIntegerField(_("households reached"), default=0)
    monitored_reached = models.PositiveIntegerField(_("monitored households reached"), default=0)

    class Meta:
        ordering = ["asset_id", "-year"]
        verbose_name = _("asset income")
        verbose_name_plural = _("asset incomes")
        constraints = [
            models.UniqueConstraint(fields=["asset", "year"], name="assetincome_one_per_year"),
            models.CheckConstraint(
                condition=Q(income__gte=0, to_collective__gte=0, to_households__gte=0, to_monitored__gte=0),
                name="assetincome_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(income__gte=F("to_collective") + F("to_households") + F("to_monitored")),
                name="assetincome_distributed_within_income",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.year}"

    def save(self, *args, **kwargs):
        self.region_code = self.asset.region_code
        super().save(*args, **kwargs)

    @property
    def distributed(self):
        return self.to_collective + self.to_households + self.to_monitored

    @property
    def retained(self):
        return self.income - self.distributed


class DisposalKind(models.TextChoices):
    TRANSFER = "transfer", _("Transfer")  # 转让
    AUCTION = "auction", _("Auction")  # 拍卖
    SCRAP = "scrap", _("Scrapping")  # 报废
    WRITE_OFF = "write_off", _("Write-off")  # 核销
    OTHER = "other", _("Other")


class DisposalStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting county approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class AssetDisposal(RegionScopedModel):
    """A request to dispose of an asset, and the county's decision on it."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="disposals", verbose_name=_("asset"))
    kind = models.CharField(_("kind of disposal"), max_length=10, choices=DisposalKind.choices)
    reason = models.TextField(_("reason"))
    amount = _money(_("proceeds (yuan)"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=DisposalStatus.choices,
                              default=DisposalStatus.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("requested by"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("asset disposal")
        verbose_name_plural = _("asset disposals")
        constraints = [models.UniqueConstraint(fields=["asset"], condition=Q(status="requested"),
                                               name="assetdisposal_one_open_request")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        self.region_code = self.asset.region_code
        super().save(*args, **kwargs)
