"""The registry of all rural households: households, their members and each year's income.

Personal data follows DESIGN.md §5: ID and phone numbers are stored encrypted, beside an
HMAC blind index (exact match) and a masked copy (display and search by last digits); the
full birth date is never stored in the clear, since with the masked number it would give
the whole ID number back.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import NullIf, Round
from django.utils.translation import gettext_lazy as _

from shouwang.core import crypto
from shouwang.core.fields import EncryptedTextField
from shouwang.core.idnumbers import IdNumber, mask_id_number
from shouwang.core.models import RegionScopedModel


class HouseholdType(models.TextChoices):
    EX_POOR = "ex_poor", _("Ex-poor household")  # 脱贫户
    ORDINARY = "ordinary", _("Ordinary rural household")  # 一般农户


class Household(RegionScopedModel):
    """A rural household (户), identified by its registry number (户编号) and living in a village."""

    number = models.CharField(_("household number"), max_length=40, unique=True)
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="households", verbose_name=_("village"),
    )
    household_type = models.CharField(
        _("household type"), max_length=10, choices=HouseholdType.choices, default=HouseholdType.ORDINARY,
    )
    no_labour = models.BooleanField(_("whole household without labour capacity"), default=False)
    relocated = models.BooleanField(_("lives in a relocation settlement"), default=False)
    settlement = models.CharField(_("settlement"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    import_batch = models.CharField(_("import batch"), max_length=64, blank=True)
    # The household's number in the national system (全国防返贫监测信息系统 户编号), kept beside
    # Shouwang's own ``number`` when a county takes its national records over; searchable.
    national_number = models.CharField(_("national household number"), max_length=40, blank=True, db_index=True)
    # A digest of what the last import wrote for this household (its values as the importer planned
    # them): an import whose rows give the same digest leaves the household alone without reading it
    # back. Any other write of the household, its members or years clears it.
    import_digest = models.CharField(_("import digest"), max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [models.Index(fields=["region_code", "number"])]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        self.region_code = self.village_id
        # Written by hand, not by an import: the next import compares it field by field again.
        self.import_digest = ""
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "import_digest"}
        super().save(*args, **kwargs)

    @property
    def head(self) -> Member | None:
        return next((m for m in self.members.all() if m.relation == Relation.HEAD), None)


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class IdType(models.TextChoices):
    RESIDENT = "resident", _("Resident identity card")
    DISABILITY = "disability", _("Disability certificate")
    OTHER = "other", _("Other")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    SON = "son", _("Son")
    DAUGHTER = "daughter", _("Daughter")
    DAUGHTER_IN_LAW = "daughter_in_law", _("Daughter-in-law")
    SON_IN_LAW = "son_in_law", _("Son-in-law")
    GRANDCHILD = "grandchild", _("Grandchild")
    PARENT = "parent", _("Parent")
    PARENT_IN_LAW = "parent_in_law", _("Parent-in-law")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relation")


class Education(models.TextChoices):
    PRESCHOOL = "preschool", _("Pre-school age")
    ILLITERATE = "illiterate", _("Illiterate or semi-literate")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Secondary vocational")
    COLLEGE = "college", _("College or above")


class Schooling(models.TextChoices):
    NONE = "none", _("Not in school")
    PRESCHOOL = "preschool", _("Pre-school education")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational")
    HIGHER_VOCATIONAL = "higher_vocational", _("Higher vocational")
    UNDERGRADUATE = "undergraduate", _("Undergraduate or above")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    CHRONIC = "chronic", _("Long-term chronic illness")
    SERIOUS = "serious", _("Serious illness")
    DISABLED = "disabled", _("Disabled")


class Labour(models.TextChoices):
    SKILLED = "skilled", _("Skilled labour")
    ORDINARY = "ordinary", _("Ordinary labour")
    WEAK = "weak", _("Weak or partial labour")
    LOST = "lost", _("Lost labour capacity")
    NONE = "none", _("No labour capacity")

    @classmethod
    def able(cls) -> tuple[str, ...]:
        """Values that count as having labour capacity."""
        return (cls.SKILLED, cls.ORDINARY, cls.WEAK)


class Member(RegionScopedModel):
    """A person in a household. Only masked copies and a blind index of the numbers are in the clear."""

    # Indexed by the first column of ``member_household_guarantees`` (Meta) instead of an index of its own.
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members",
                                  verbose_name=_("household"), db_index=False)
    name = models.CharField(_("name"), max_length=60)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    id_type = models.CharField(_("ID type"), max_length=12, choices=IdType.choices, default=IdType.RESIDENT)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_index = models.CharField(_("ID blind index"), max_length=64, blank=True, db_index=True, editable=False)
    id_masked = models.CharField(_("ID number (masked)"), max_length=24, blank=True, db_index=True, editable=False)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    relation = models.CharField(_("relation to head"), max_length=20, choices=Relation.choices, default=Relation.OTHER)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    education = models.CharField(_("education"), max_length=12, choices=Education.choices, blank=True)
    schooling = models.CharField(
        _("schooling status"), max_length=24, choices=Schooling.choices, default=Schooling.NONE
    )
    health = models.CharField(_("health"), max_length=10, choices=Health.choices, default=Health.HEALTHY)
    disability_grade = models.PositiveSmallIntegerField(_("disability grade"), null=True, blank=True)
    labour = models.CharField(_("labour capacity"), max_length=10, choices=Labour.choices, default=Labour.ORDINARY)
    work_location = models.CharField(_("place of work"), max_length=100, blank=True)
    work_months = models.PositiveSmallIntegerField(_("months of work"), null=True, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True, editable=False)
    medical_insured = models.BooleanField(_("basic medical insurance"), default=True)
    pension_insured = models.BooleanField(_("basic pension insurance"), default=False)
    dibao = models.BooleanField(_("receives minimum living allowance (低保)"), default=False)
    tekun = models.BooleanField(_("extreme-poverty support (特困供养)"), default=False)

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            # A household's members, and with them what screening counts per household (labour
            # capacity, 低保/特困): the counts are read from the index alone, not from the wide rows.
            models.Index(fields=["household", "labour", "dibao", "tekun"], name="member_household_guarantees"),
        ]

    def __str__(self) -> str:
        return self.name

    def set_id(self, parsed: IdNumber | None) -> None:
        """Store a parsed ID number with everything derived from it."""
        if parsed is None:
            self.id_number = self.id_index = self.id_masked = ""
            self.birth_year = None
            return
        self.id_number = parsed.number
        self.id_index = crypto.blind_index(parsed.number)
        self.id_masked = mask_id_number(parsed.number)
        self.birth_year = parsed.birth_date.year
        self.sex = parsed.sex

    def set_phone(self, phone: str) -> None:
        self.phone = phone
        self.phone_masked = crypto.mask_phone(phone)

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)
        clear_import_digest(self.household_id)
        self.household.import_digest = ""


class LayerKind(models.TextChoices):
    """Civil affairs' layers of the rural low-income population (policy.md §9: 低收入人口分层).

    低保 and 特困 are the two the registry also keeps as member flags (``Member.dibao``/``tekun``,
    kept equal to a member's current layers by ``services.sync_member_flags``); 低保边缘 and
    刚性支出困难家庭 are household layers (the named member is the applicant).
    """

    DIBAO = "dibao", _("Minimum living allowance (低保)")
    TEKUN = "tekun", _("Extreme-poverty support (特困)")
    DIBAO_EDGE = "dibao_edge", _("Near-minimum-allowance household (低保边缘)")
    RIGID_SPENDING = "rigid_spending", _("Household in difficulty from rigid spending (刚性支出困难家庭)")


class LowIncomeLayer(RegionScopedModel):
    """One period in which a household (and the member named, where civil affairs names one)
    belongs to a low-income layer: from ``start`` to ``end`` (None: still in it), with its source.

    Written by the civil-affairs layer feed (``source`` = the feed type, ``batch_id`` its batch) or
    by hand. A period ends, never disappears: the history stays on the household's page.
    """

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="low_income_layers", verbose_name=_("household"),
    )
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="low_income_layers",
        verbose_name=_("member"),
    )
    layer = models.CharField(_("layer"), max_length=20, choices=LayerKind.choices)
    start = models.DateField(_("start date"))
    end = models.DateField(_("end date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=50, blank=True,
                              help_text=_("The feed type that reported it, or “manual”."))
    batch_id = models.PositiveBigIntegerField(_("feed batch"), null=True, blank=True)
    ended_by_batch_id = models.PositiveBigIntegerField(_("ended by feed batch"), null=True, blank=True)
    reference = models.CharField(_("record number"), max_length=64, blank=True)

    class Meta:
        ordering = ["household_id", "-start", "layer"]
        verbose_name = _("low-income layer")
        verbose_name_plural = _("low-income layers")
        indexes = [models.Index(fields=["household", "layer", "end"]), models.Index(fields=["layer", "end"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.layer} {self.start}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)

    def current_on(self, on) -> bool:
        return self.start <= on and (self.end is None or self.end >= on)


class HousingGrade(models.TextChoices):
    A = "A", _("A: safe")
    B = "B", _("B: basically safe")
    C = "C", _("C: locally dangerous")
    D = "D", _("D: whole-house dangerous")


def _money(verbose_name):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, default=Decimal("0"))


_NET_INCOME = Round(
    F("wage_income") + F("business_income") + F("property_income") + F("transfer_income") - F("business_costs"), 2,
)


class HouseholdYear(RegionScopedModel):
    """A household's income, spending and guarantees for one year (收支情况).

    Net income and per-capita net income are computed by the database exactly as policy.md
    §2.2 defines them: the four income components less production costs, divided by the
    household's members that year, rounded to the fen on every database alike.
    """

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="years", verbose_name=_("household")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    member_count = models.PositiveSmallIntegerField(_("household members"))
    wage_income = _money(_("wage income"))
    business_income = _money(_("production and business income"))
    property_income = _money(_("property income"))
    transfer_income = _money(_("transfer income"))
    business_costs = _money(_("production and business costs"))
    compliant_out_of_pocket = _money(_("compliant out-of-pocket spending"))
    insurance_payouts = _money(_("insurance payouts"))
    housing_grade = models.CharField(_("housing safety grade"), max_length=1, choices=HousingGrade.choices, blank=True)
    water_secured = models.BooleanField(_("drinking water secured"), default=True)
    dropout = models.BooleanField(_("compulsory-education dropout"), default=False)
    uninsured_member = models.BooleanField(_("member without basic medical insurance"), default=False)
    net_income = models.GeneratedField(
        expression=_NET_INCOME, output_field=models.DecimalField(max_digits=14, decimal_places=2), db_persist=True,
        verbose_name=_("household net income"),
    )
    per_capita_net_income = models.GeneratedField(
        expression=Round(_NET_INCOME * Value(Decimal("1.00")) / NullIf(F("member_count"), Value(0)), 2),
        output_field=models.DecimalField(max_digits=14, decimal_places=2), db_persist=True,
        verbose_name=_("per-capita net income"),
    )

    class Meta:
        ordering = ["household_id", "-year"]
        verbose_name = _("household year")
        verbose_name_plural = _("household years")
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="householdyear_unique_year")]
        indexes = [models.Index(fields=["year", "region_code"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)
        clear_import_digest(self.household_id)
        self.household.import_digest = ""


def clear_import_digest(household_id: int | None) -> None:
    """A member or year of the household was written (or deleted) outside an import: forget the
    household's import digest (one UPDATE), so the next import compares it field by field."""
    Household.objects.filter(pk=household_id).exclude(import_digest="").update(import_digest="")


# The columns bulk writers (the demo generator, the registry importer) insert, in this order;
# timestamps take their defaults and the generated income columns are computed by the database.
HOUSEHOLD_BULK_FIELDS = (
    "number", "village", "region_code", "household_type", "no_labour", "relocated", "settlement", "address",
    "import_batch",
)
MEMBER_BULK_FIELDS = (
    "household", "region_code", "name", "sex", "id_type", "id_number", "id_index", "id_masked", "birth_year",
    "relation", "ethnicity", "education", "schooling", "health", "disability_grade", "labour", "work_location",
    "work_months", "phone", "phone_masked", "medical_insured", "pension_insured", "dibao", "tekun",
)
YEAR_BULK_FIELDS = (
    "household", "region_code", "year", "member_count", "wage_income", "business_income", "property_income",
    "transfer_income", "business_costs", "compliant_out_of_pocket", "insurance_payouts", "housing_grade",
    "water_secured", "dropout", "uninsured_member",
)
