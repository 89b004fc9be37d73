"""Department feeds (医保, 教育, 住建, 水利, 民政, 残联, 人社, 应急): batches, signals and leads.

A department's file (or an API push) becomes one :class:`FeedBatch`. Each row whose ID number
belongs to a registry member becomes a :class:`FeedSignal` on that member's household; each row
whose person the registry does not know becomes a :class:`FeedLead` for the county to follow up,
never silently dropped. Both keep their provenance: batch, file name and row number.

Re-importing changes nothing: every signal and lead carries a ``dedupe_key`` (unique) derived
from the feed type, the person's blind index and the event (the department's record number
when the file has one, else date and occurrence); see ``shouwang.monitoring.feeds.checking``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.fields import EncryptedTextField
from shouwang.core.models import RegionScopedModel


class FeedType(models.TextChoices):
    """The departments that push data, by the code the command and the API use."""

    MEDICAL = "medical", _("Medical insurance (医保): out-of-pocket spending")
    EDUCATION = "education", _("Education (教育): school dropouts")
    HOUSING = "housing", _("Housing and construction (住建): dangerous-housing appraisals")
    WATER = "water", _("Water resources (水利): drinking-water problems")
    CIVIL = "civil", _("Civil affairs (民政): 低保, 特困, temporary assistance")
    DISABILITY = "disability", _("Disabled persons' federation (残联): disabilities")
    EMPLOYMENT = "employment", _("Human resources (人社): unemployment")
    DISASTER = "disaster", _("Emergency management (应急): disaster losses")
    LOW_INCOME = "low_income", _("Civil affairs (民政): low-income population layers")
    POLICY = "policy", _("Policy beneficiaries (享受政策名单): who received a department's benefit")


class FeedBatch(RegionScopedModel):
    """One imported file or API push: who sent it, its SHA-256, and what came of its rows.

    ``region_code`` is the importer's region (a county for department officers), so county
    staff see the batches of their county; a department officer sees only their own.
    """

    class Channel(models.TextChoices):
        UPLOAD = "upload", _("Upload page")
        COMMAND = "command", _("Command line")
        API = "api", _("API")

    feed_type = models.CharField(_("feed type"), max_length=20, choices=FeedType.choices)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.UPLOAD)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="feed_batches",
        verbose_name=_("imported by"),
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    matched = models.PositiveIntegerField(_("rows linked to members"), default=0)
    unmatched = models.PositiveIntegerField(_("rows kept as leads"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feed batch")
        verbose_name_plural = _("feed batches")

    def __str__(self) -> str:
        return f"{self.feed_type} {self.file_name or self.sha256[:12]}"


class FeedSignal(RegionScopedModel):
    """One event a department reported about a household or a member, with where it came from."""

    class Kind(models.TextChoices):
        MEDICAL_OUT_OF_POCKET = "medical_out_of_pocket", _("Out-of-pocket medical spending")
        DROPOUT = "dropout", _("School dropout")
        HOUSING_APPRAISAL = "housing_appraisal", _("Dangerous-housing appraisal")
        WATER = "water", _("Drinking-water problem")
        NEW_DIBAO = "new_dibao", _("New minimum living allowance (低保)")
        NEW_TEKUN = "new_tekun", _("New extreme-poverty support (特困)")
        TEMPORARY_ASSISTANCE = "temporary_assistance", _("Temporary assistance")
        NEW_SEVERE_DISABILITY = "new_severe_disability", _("New severe disability")
        NEW_DISABILITY = "new_disability", _("New disability (grade 3 or 4)")
        UNEMPLOYMENT = "unemployment", _("Unemployment")
        DISASTER_LOSS = "disaster_loss", _("Disaster loss")
        # The civil-affairs layer list (feed ``low_income``): one row per person and layer. Screening
        # reads none of them; the rows also become the registry's low-income layers (feeds/layers.py).
        LAYER_DIBAO = "layer_dibao", _("Listed in 低保")
        LAYER_TEKUN = "layer_tekun", _("Listed in 特困")
        LAYER_DIBAO_EDGE = "layer_dibao_edge", _("Listed in 低保边缘")
        LAYER_RIGID_SPENDING = "layer_rigid_spending", _("Listed in 刚性支出困难家庭")
        POLICY_ENROLMENT = "policy_enrolment", _("Policy benefit received")

    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="feed_signals", verbose_name=_("household"),
    )
    member = models.ForeignKey(
        "registry.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="feed_signals",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    category = models.CharField(
        _("category"), max_length=40, blank=True,
        help_text=_("The department's own classification: housing grade, disability grade, visit type…"),
    )
    reference = models.CharField(_("record number"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=50, blank=True, help_text=_("The feed type, e.g. medical."))
    batch = models.ForeignKey(
        FeedBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="signals", verbose_name=_("batch"),
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    row_number = models.PositiveIntegerField(_("row number"), null=True, blank=True)
    dedupe_key = models.CharField(_("identity of the event"), max_length=64, null=True, blank=True, unique=True,
                                  editable=False)

    class Meta:
        ordering = ["household_id", "-date"]
        verbose_name = _("feed signal")
        verbose_name_plural = _("feed signals")
        indexes = [
            models.Index(fields=["household", "kind", "date"]),
            models.Index(fields=["source", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.date}"

    def save(self, *args, **kwargs):
        self.region_code = self.household.region_code
        super().save(*args, **kwargs)


class FeedLead(RegionScopedModel):
    """A feed row about a person the registry does not know (or not in the importer's region).

    Kept, with the ID number encrypted like a member's, so the county can find the person (a
    newcomer, a household split, a typing error in the registry). When the person is
    registered later, the next feed import turns the lead into a signal (``resolved_signal``).
    ``region_code`` is the batch's region: county staff see their county's leads.
    """

    batch = models.ForeignKey(FeedBatch, on_delete=models.CASCADE, related_name="leads", verbose_name=_("batch"))
    feed_type = models.CharField(_("feed type"), max_length=20, choices=FeedType.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=FeedSignal.Kind.choices)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_index = models.CharField(_("ID blind index"), max_length=64, db_index=True, editable=False)
    id_masked = models.CharField(_("ID number (masked)"), max_length=24, blank=True, editable=False)
    name = models.CharField(_("name"), max_length=60, blank=True)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True)
    reference = models.CharField(_("record number"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    row_number = models.PositiveIntegerField(_("row number"), null=True, blank=True)
    dedupe_key = models.CharField(_("identity of the event"), max_length=64, unique=True, editable=False)
    resolved_signal = models.OneToOneField(
        FeedSignal, null=True, blank=True, on_delete=models.SET_NULL, related_name="lead",
        verbose_name=_("signal it became"),
    )
    resolved_at = models.DateTimeField(_("matched at"), null=True, blank=True)

    class Meta:
        ordering = ["batch_id", "row_number"]
        verbose_name = _("feed lead")
        verbose_name_plural = _("feed leads")

    def __str__(self) -> str:
        return f"{self.feed_type} {self.id_masked} {self.date}"


class FeedColumnAlias(models.Model):
    """A county's own name for a feed column, added to the built-in synonyms.

    A department's export may call 个人自付 "自负金额"; the county administrator adds it once
    (``manage.py feed_alias`` or the column-names page) and every later import in the county
    reads it. ``region_code`` is a code prefix (a county); an import uses the aliases whose
    code is a prefix of the importer's region (all of them for a county-wide system import).
    """

    region_code = models.CharField(_("region code"), max_length=15, db_index=True)
    feed_type = models.CharField(_("feed type"), max_length=20, choices=FeedType.choices)
    column = models.CharField(_("column"), max_length=40)
    header = models.CharField(_("header in the file"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["region_code", "feed_type", "column", "header"]
        verbose_name = _("feed column alias")
        verbose_name_plural = _("feed column aliases")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "feed_type", "header"], name="feedcolumnalias_unique_header"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.feed_type}.{self.column} ← {self.header}"
