"""Project assets: recording them, their checks and incomes, disposal and its county approval, figures.

The only code that writes the asset models. Every write asks :mod:`.permissions` through
``require`` and leaves a change-log entry. An income's distribution (to the collective, to
households, to monitored households) may not add up to more than the year's income: refused here
with a message, and held by the table's check constraint too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import require, restrict

from .models import Asset, AssetCheck, AssetClass, AssetDisposal, AssetIncome, AssetStatus, DisposalStatus

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)


class AssetInvalid(Exception):
    """What was entered cannot be recorded (message translated)."""


class AssetNotAllowed(Exception):
    """The asset's state does not allow it (a decided disposal, an asset already disposed of)."""


def _acting(user):
    return acting_unless_known(user, "assets")


def _audit(action: str, obj: Any, object_type: str, after: dict | None = None, before: dict | None = None) -> None:
    record_changes([Change(action=action, object_type=object_type, object_id=obj.pk, object_repr=str(obj)[:200],
                           region_code=obj.region_code, before=before, after=after)])


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "pk", value)


# --- reading --------------------------------------------------------------------------------------


def visible_assets(user) -> QuerySet:
    return restrict(user, Asset.objects.all(), "view")


def with_ledger_columns(assets: QuerySet, year: int | None = None) -> QuerySet:
    """The ledger's columns: the latest check (date and result) and the income of ``year``."""
    year = year or timezone.localdate().year
    latest = AssetCheck.objects.filter(asset=OuterRef("pk")).order_by("-checked_on", "-id")
    income = AssetIncome.objects.filter(asset=OuterRef("pk"), year=year)
    return assets.select_related("region", "project", "household").annotate(
        last_checked_on=Subquery(latest.values("checked_on")[:1]),
        last_check_result=Subquery(latest.values("result")[:1]),
        year_income=Subquery(income.values("income")[:1], output_field=MONEY),
        year_to_collective=Subquery(income.values("to_collective")[:1], output_field=MONEY),
        year_to_households=Subquery(income.values("to_households")[:1], output_field=MONEY),
        year_to_monitored=Subquery(income.values("to_monitored")[:1], output_field=MONEY),
    )


def ledger_totals(assets: QuerySet) -> dict[str, Any]:
    """How many assets a ledger lists and their total value (one query)."""
    totals = assets.order_by().aggregate(n=Count("id"), value=Coalesce(Sum("value"), Value(ZERO), output_field=MONEY))
    return {"count": totals["n"], "value": totals["value"]}


def figures_by_class(assets: QuerySet) -> list[dict[str, Any]]:
    """Per class: count and value of the assets not disposed of (every class, zeros included)."""
    rows = {
        r["asset_class"]: r for r in assets.exclude(status=AssetStatus.DISPOSED).order_by()
        .values("asset_class").annotate(n=Count("id"), value=Sum("value"))
    }
    return [
        {"asset_class": value, "label": label, "count": rows.get(value, {}).get("n", 0),
         "value": rows.get(value, {}).get("value") or ZERO}
        for value, label in AssetClass.choices
    ]


def income_totals(incomes: QuerySet) -> dict[str, Decimal]:
    """Sums of the income and of each share over ``incomes`` (the database adds them up)."""
    sums = incomes.order_by().aggregate(**{
        name: Coalesce(Sum(name), Value(ZERO), output_field=MONEY)
        for name in ("income", "to_collective", "to_households", "to_monitored")
    })
    sums["retained"] = sums["income"] - sums["to_collective"] - sums["to_households"] - sums["to_monitored"]
    return sums


# --- recording ------------------------------------------------------------------------------------

ASSET_FIELDS = ("number", "name", "asset_class", "region", "project", "kind", "quantity", "formed_year", "value",
                "owner", "manager", "handover_date", "household", "status", "note")


def _check_asset(fields: dict[str, Any]) -> None:
    if fields.get("asset_class") not in AssetClass.values:
        raise AssetInvalid(_("Choose the asset's class."))
    if fields.get("value") is not None and fields["value"] < 0:
        raise AssetInvalid(_("The value cannot be negative."))
    region = fields.get("region")
    project = fields.get("project")
    if project is not None and region is not None and not region.code.startswith(project.region_code[:9]):
        raise AssetInvalid(_("The asset lies outside the township of the project that formed it."))
    household = fields.get("household")
    if household is not None:
        if fields.get("asset_class") != AssetClass.HOUSEHOLD:
            raise AssetInvalid(_("Only an asset given to households names a household."))
        if region is not None and not household.region_code.startswith(region.code):
            raise AssetInvalid(_("The household does not live in the asset's region."))


def create_asset(user, **fields: Any) -> Asset:
    """Record a new asset in the user's region."""
    require(user, "revitalization.manage_assets", fields.get("region"))
    _check_asset(fields)
    if Asset.objects.filter(number=fields["number"]).exists():
        raise AssetInvalid(_("An asset with this number is already recorded."))
    with _acting(user), transaction.atomic():
        asset = Asset.objects.create(**{k: v for k, v in fields.items() if k in ASSET_FIELDS})
        _audit("create", asset, "revitalization.asset",
               after={k: _plain(getattr(asset, k)) for k in ASSET_FIELDS})
    return asset


def update_asset(user, asset: Asset, **fields: Any) -> Asset:
    """Correct an asset's record (it stays in, or moves to, a region of the user's)."""
    require(user, "revitalization.manage_assets", asset)
    merged = {k: getattr(asset, k) for k in ASSET_FIELDS} | fields
    require(user, "revitalization.manage_assets", merged.get("region"))
    _check_asset(merged)
    if Asset.objects.filter(number=merged["number"]).exclude(pk=asset.pk).exists():
        raise AssetInvalid(_("An asset with this number is already recorded."))
    before = {k: _plain(getattr(asset, k)) for k in fields}
    with _acting(user), transaction.atomic():
        for name, value in fields.items():
            setattr(asset, name, value)
        asset.save()
        _audit("update", asset, "revitalization.asset", before=before,
               after={k: _plain(getattr(asset, k)) for k in fields})
    return asset


def record_check(user, asset: Asset, *, checked_on: date, checked_by: str, result: str, note: str = "") -> AssetCheck:
    """A condition check: who checked, when, the result."""
    require(user, "revitalization.manage_assets", asset)
    if checked_on > timezone.localdate():
        raise AssetInvalid(_("A check cannot be dated in the future."))
    with _acting(user), transaction.atomic():
        check = AssetCheck.objects.create(asset=asset, checked_on=checked_on, checked_by=checked_by.strip(),
                                          result=result, note=note.strip(), recorded_by=user)
        if result == "idle" and asset.status == AssetStatus.IN_USE:
            Asset.objects.filter(pk=asset.pk).update(status=AssetStatus.IDLE)
        elif result != "idle" and asset.status == AssetStatus.IDLE:
            Asset.objects.filter(pk=asset.pk).update(status=AssetStatus.IN_USE)
        _audit("create", check, "revitalization.assetcheck",
               after={"asset": asset.number, "checked_on": checked_on.isoformat(), "checked_by": check.checked_by,
                      "result": result})
    return check


@dataclass(frozen=True)
class Distribution:
    """An income and its three shares (yuan), as entered."""

    income: Decimal
    to_collective: Decimal = ZERO
    to_households: Decimal = ZERO
    to_monitored: Decimal = ZERO

    @property
    def distributed(self) -> Decimal:
        return self.to_collective + self.to_households + self.to_monitored

    def problem(self) -> str | None:
        amounts = (self.income, self.to_collective, self.to_households, self.to_monitored)
        if any(a is None or a < 0 for a in amounts):
            return _("Amounts cannot be negative.")
        if self.distributed > self.income:
            return _("The distributions add up to %(sum)s yuan, more than the year's income of %(income)s yuan.") % {
                "sum": self.distributed, "income": self.income}
        return None


def record_income(user, asset: Asset, year: int, distribution: Distribution, *, households_reached: int = 0,
                  monitored_reached: int = 0) -> AssetIncome:
    """Record (or correct) an asset's income in ``year`` and how it was distributed."""
    require(user, "revitalization.manage_assets", asset)
    problem = distribution.problem()
    if problem:
        raise AssetInvalid(problem)
    if monitored_reached > households_reached:
        raise AssetInvalid(_("More monitored households than households reached."))
    if distribution.to_monitored > 0 and monitored_reached == 0:
        raise AssetInvalid(_("Say how many monitored households received their share."))
    values = {"income": distribution.income, "to_collective": distribution.to_collective,
              "to_households": distribution.to_households, "to_monitored": distribution.to_monitored,
              "households_reached": households_reached, "monitored_reached": monitored_reached}
    with _acting(user), transaction.atomic():
        row = AssetIncome.objects.select_for_update().filter(asset=asset, year=year).first()
        before = {k: _plain(getattr(row, k)) for k in values} if row else None
        if row is None:
            row = AssetIncome(asset=asset, year=year)
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        _audit("update" if before else "create", row, "revitalization.assetincome", before=before,
               after={"asset": asset.number, "year": year} | {k: _plain(v) for k, v in values.items()})
    return row


# --- disposal -------------------------------------------------------------------------------------


def request_disposal(user, asset: Asset, *, kind: str, reason: str, amount: Decimal = ZERO) -> AssetDisposal:
    """Ask the county to approve the disposal of an asset (one open request at a time)."""
    require(user, "revitalization.request_asset_disposal", asset)
    if not reason.strip():
        raise AssetInvalid(_("Give the reason for the disposal."))
    if amount is None or amount < 0:
        raise AssetInvalid(_("Amounts cannot be negative."))
    with _acting(user), transaction.atomic():
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        if locked.status == AssetStatus.DISPOSED:
            raise AssetNotAllowed(_("The asset has already been disposed of."))
        if AssetDisposal.objects.filter(asset=asset, status=DisposalStatus.REQUESTED).exists():
            raise AssetNotAllowed(_("A disposal of this asset is already awaiting approval."))
        disposal = AssetDisposal.objects.create(asset=asset, kind=kind, reason=reason.strip(), amount=amount,
                                                requested_by=user)
        _audit("create", disposal, "revitalization.assetdisposal",
               after={"asset": asset.number, "kind": kind, "reason": disposal.reason, "amount": str(amount)})
    return disposal


def decide_disposal(user, disposal: AssetDisposal, *, approve: bool, note: str = "") -> AssetDisposal:
    """The county approves (the asset is then disposed of) or refuses (with a reason) a request."""
    require(user, "revitalization.approve_asset_disposal", disposal)
    if not approve and not note.strip():
        raise AssetInvalid(_("Give the reason for refusing."))
    now = timezone.now()
    status = DisposalStatus.APPROVED if approve else DisposalStatus.REFUSED
    with _acting(user), transaction.atomic():
        moved = AssetDisposal.objects.filter(pk=disposal.pk, status=DisposalStatus.REQUESTED).update(
            status=status, decided_by=user, decided_at=now, decision_note=note.strip(), updated_at=now)
        if not moved:
            raise AssetNotAllowed(_("This disposal has already been decided."))
        if approve:
            Asset.objects.filter(pk=disposal.asset_id).update(status=AssetStatus.DISPOSED, updated_at=now)
        _audit("update", disposal, "revitalization.assetdisposal", before={"status": DisposalStatus.REQUESTED},
               after={"status": status, "note": note.strip()})
    disposal.refresh_from_db()
    return disposal


def pending_disposals(user) -> QuerySet:
    """Requests awaiting the county, in the user's region."""
    return restrict(user, AssetDisposal.objects.filter(status=DisposalStatus.REQUESTED), "view").select_related(
        "asset", "asset__region")


# --- figures --------------------------------------------------------------------------------------


def region_figures(region: str, year: int) -> dict[str, Any]:
    """Assets of a region (a code prefix) by class, and the year's income and its distribution."""
    assets = Asset.objects.filter(region_code__startswith=region)
    incomes = AssetIncome.objects.filter(region_code__startswith=region, year=year)
    return {"by_class": figures_by_class(assets), "income": income_totals(incomes)}
