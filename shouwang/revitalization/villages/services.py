"""Village profiles: writing them, the county's threshold, the page's figures, the key-village check,
and the registers' figures for the township and county dashboards (:func:`register_figures`).

The only code that writes the village models. Figures are counted by the database from the
registers themselves: households and people from the registry, monitored households from the
cases, projects and funds from the project library, assets from the asset ledgers, first
secretaries from the cadre register (``cadres.services.first_secretaries_in_term``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.cases.casefiles.models import Case, CaseStatus
from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.permissions import require, restrict
from shouwang.core.regioncodes import level_of
from shouwang.regions.models import Region
from shouwang.registry.models import Household, Member

from ..assets import services as assets
from ..assets.models import Asset
from ..cadres.models import Cadre, CadreKind
from ..cadres.services import first_secretaries_in_term
from ..projects import services as projects
from ..projects.models import Disbursement, Project, ProjectFund
from .models import DEFAULT_WEAK_THRESHOLD, INDICATORS, VillageProfile, VillageSettings, WeakSetting

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
# Identified and not yet cleared: the households the dashboards call monitored (监测对象).
MONITORED = (CaseStatus.MONITORED, CaseStatus.ELIMINATING)
PROFILE_FIELDS = ("ex_poor", "slack", "weak_setting", "collective_income", *(name for name, _label in INDICATORS),
                  "note")


class ProfileInvalid(Exception):
    """What was entered cannot be recorded (message translated)."""


def _acting(user):
    return acting_unless_known(user, "villages")


def today() -> date:
    return timezone.localdate()


# --- the county's threshold -----------------------------------------------------------------------


def threshold_for(region: str) -> Decimal:
    """The weak-collective-economy threshold of the county of ``region`` (or the default)."""
    found = VillageSettings.objects.filter(region_code=region[:6]).values_list("weak_threshold", flat=True).first()
    return found if found is not None else DEFAULT_WEAK_THRESHOLD


def set_threshold(user, county: str, amount: Decimal) -> VillageSettings:
    require(user, "revitalization.set_weak_threshold", county)
    if level_of(county) != "county":
        raise ProfileInvalid(_("The threshold is set for a county."))
    if amount is None or amount < 0:
        raise ProfileInvalid(_("Amounts cannot be negative."))
    with _acting(user), transaction.atomic():
        settings, created = VillageSettings.objects.select_for_update().get_or_create(
            region_code=county, defaults={"weak_threshold": amount})
        before = None if created else {"weak_threshold": str(settings.weak_threshold)}
        settings.weak_threshold = amount
        settings.save()
        record_changes([Change(action="create" if created else "update", object_type="revitalization.villagesettings",
                               object_id=settings.pk, object_repr=county, region_code=county, before=before,
                               after={"weak_threshold": str(amount)})])
    return settings


# --- profiles -------------------------------------------------------------------------------------


def visible_profiles(user) -> QuerySet:
    return restrict(user, VillageProfile.objects.all(), "view").with_weak().select_related("village")


def visible_villages(user) -> QuerySet:
    return restrict(user, Region.objects.filter(level=Region.Level.VILLAGE), "view")


def profile_of(village: str, year: int) -> VillageProfile | None:
    return VillageProfile.objects.filter(village_id=village, year=year).with_weak().first()


def save_profile(user, village: Region, year: int, **fields: Any) -> VillageProfile:
    """Write (create or change) a village's profile of ``year``."""
    require(user, "revitalization.edit_village_profile", village)
    if village.level != Region.Level.VILLAGE:
        raise ProfileInvalid(_("A profile is kept for a village."))
    if fields.get("weak_setting", WeakSetting.DERIVED) not in WeakSetting.values:
        raise ProfileInvalid(_("Choose how the weak collective economy is decided."))
    income = fields.get("collective_income")
    if income is not None and income < 0:
        raise ProfileInvalid(_("Amounts cannot be negative."))
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    with _acting(user), transaction.atomic():
        profile = VillageProfile.objects.select_for_update().filter(village=village, year=year).first()
        before = {k: _plain(getattr(profile, k)) for k in fields} if profile else None
        if profile is None:
            profile = VillageProfile(village=village, year=year)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save()
        record_changes([Change(
            action="update" if before else "create", object_type="revitalization.villageprofile",
            object_id=profile.pk, object_repr=f"{village.name} {year}", region_code=profile.region_code,
            before=before, after={"year": year} | {k: _plain(v) for k, v in fields.items()},
        )])
    return profile


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


# --- the village's page ---------------------------------------------------------------------------


def village_counts(village: str) -> dict[str, int]:
    """Households and people in the registry, and monitored households (open, identified cases)."""
    return {
        "households": Household.objects.filter(region_code=village).count(),
        "population": Member.objects.filter(region_code=village).count(),
        "monitored": Case.objects.filter(region_code=village, status__in=MONITORED).count(),
    }


def village_projects(village: str, year: int) -> QuerySet:
    """The year's projects the village leads or takes part in, with their funds and what was paid out."""
    funds = (ProjectFund.objects.filter(project=OuterRef("pk")).order_by().values("project")
             .annotate(s=Sum("amount")).values("s"))
    paid = (Disbursement.objects.filter(project=OuterRef("pk")).order_by().values("project")
            .annotate(s=Sum("amount")).values("s"))
    ids = Project.objects.filter(Q(village_id=village) | Q(villages=village), year=year).values("pk")
    return Project.objects.filter(pk__in=ids).annotate(
        funds_total=Coalesce(Subquery(funds, output_field=MONEY), Value(ZERO), output_field=MONEY),
        disbursed_total=Coalesce(Subquery(paid, output_field=MONEY), Value(ZERO), output_field=MONEY),
    ).order_by("status", "name")


def village_assets(village: str) -> QuerySet:
    return Asset.objects.filter(region_code=village).select_related("project").order_by("asset_class", "number")


def village_cadres(village: str, on: date) -> QuerySet:
    """The resident cadres (first secretary, work team) and village officials in term on ``on``."""
    kinds = (CadreKind.FIRST_SECRETARY, CadreKind.TEAM_MEMBER, CadreKind.VILLAGE_OFFICIAL, CadreKind.RESERVE)
    return Cadre.objects.filter(region_code=village, kind__in=kinds).in_term(on).order_by("kind", "name")


# Panels other parts add to the village's page (the scorecard, from supervision): each is called
# with (user, village code, year) and answers None or {"title": …, "rows": [(label, value), …]}.
ProfilePanel = Callable[[Any, str, int], dict[str, Any] | None]
_PANELS: list[ProfilePanel] = []


def register_panel(panel: ProfilePanel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def panels(user, village: str, year: int) -> list[dict[str, Any]]:
    return [found for panel in _PANELS if (found := panel(user, village, year))]


# --- the key-village check ------------------------------------------------------------------------


def key_villages_without_secretary(region: str, year: int, on: date | None = None) -> QuerySet:
    """The key villages of ``region`` in ``year`` (ex-poor, slack or weak) with no first secretary in
    term on ``on`` (default: today)."""
    on = on or today()
    in_term = first_secretaries_in_term(region, on).values("region_code")
    return (
        VillageProfile.objects.filter(region_code__startswith=region, year=year).key()
        .exclude(village_id__in=in_term).select_related("village").order_by("region_code")
    )


# --- the registers' figures for the dashboards ----------------------------------------------------


def register_figures(region: str, year: int, on: date | None = None) -> dict[str, Any]:
    """What the registers say about ``region`` (a code prefix) in ``year``, for a dashboard:

    ``projects`` (the year's projects in the library), ``funds`` (their funds, yuan), ``disbursed`` and
    ``disbursement_rate`` (percent, None without funds), ``industry_share`` (percent of linkage funds
    for industry) and ``households_reached``, from the project library; ``assets_by_class`` (count
    and value of the assets not disposed of) and ``asset_income`` (the year's income and its
    distribution); ``key_villages`` and ``key_villages_without_secretary`` (with their codes).
    """
    library = projects.figures(region, year)
    lacking = list(key_villages_without_secretary(region, year, on).values_list("village_id", flat=True))
    asset_figures = assets.region_figures(region, year)
    return {
        "region": region,
        "year": year,
        "projects": library.projects,
        "funds": library.allocated,
        "disbursed": library.disbursed,
        "disbursement_rate": library.disbursement_rate,
        "industry_share": library.industry_share,
        "households_reached": library.households,
        "assets_by_class": asset_figures["by_class"],
        "asset_income": asset_figures["income"],
        "key_villages": VillageProfile.objects.filter(region_code__startswith=region, year=year).key().count(),
        "key_villages_without_secretary": len(lacking),
        "key_villages_without_secretary_codes": lacking,
    }
