"""What a takeover of national records keeps: each household's national record, the county's header
and label synonyms, and the reconciliation list (national data that differs from Shouwang's own
later work, never written over it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.core.fields import EncryptedTextField
from shouwang.core.models import RegionScopedModel, RegionScopedQuerySet, TimeStampedModel


class NationalRecord(RegionScopedModel):
    """A household as the national system last gave it: provenance, a digest of its rows, and the
    columns Shouwang does not model (kept as text and written back on export).

    ``people`` maps each person's key (the blind index of the ID number) to that person's raw
    labels and unmodelled columns; ``household`` holds the household's. ``case_digest`` is the
    digest of the monitoring record last taken over (category, risks, dates, measures, contact):
    a later export with the same record leaves the case alone.
    """

    household = models.OneToOneField(
        "registry.Household", on_delete=models.CASCADE, related_name="national_record", verbose_name=_("household"),
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("case taken over"),
    )
    batch = models.CharField(_("import batch"), max_length=64, db_index=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    first_row = models.PositiveIntegerField(_("first row"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("income year"), null=True, blank=True)
    digest = models.CharField(_("digest of the rows"), max_length=64, blank=True)
    case_digest = models.CharField(_("digest of the monitoring record"), max_length=64, blank=True)
    # 户联系电话 is personal data: encrypted, with a masked copy (DESIGN.md §5), never in the JSON below.
    phone = EncryptedTextField(_("household phone"), blank=True)
    phone_masked = models.CharField(_("household phone (masked)"), max_length=20, blank=True, editable=False)
    household_values = models.JSONField(_("household columns"), default=dict, blank=True)
    people = models.JSONField(_("person columns"), default=dict, blank=True)

    class Meta:
        ordering = ["household_id"]
        verbose_name = _("national record")
        verbose_name_plural = _("national records")

    def __str__(self) -> str:
        return f"{self.household_id} {self.batch}"


class NationalSynonym(TimeStampedModel):
    """A county's own spelling of a national header or code-table label.

    ``table`` is ``header`` (``value`` is the column key of :mod:`.layout`) or a code table of
    :data:`.layout.TABLES` (``value`` is the Shouwang value the label means).
    """

    table = models.CharField(_("table"), max_length=30)
    text = models.CharField(_("text in the file"), max_length=100)
    value = models.CharField(_("means"), max_length=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["table", "text"]
        verbose_name = _("national synonym")
        verbose_name_plural = _("national synonyms")
        constraints = [models.UniqueConstraint(fields=["table", "text"], name="national_synonym_unique")]

    def __str__(self) -> str:
        return f"{self.table}: {self.text} → {self.value}"


class ReconciliationQuerySet(RegionScopedQuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class ReconciliationItem(RegionScopedModel):
    """One difference between a national export and Shouwang's newer procedure records.

    Shouwang's record is kept; the item tells the county what to correct in the national system
    (or to look into). It is resolved by a person, with a note.
    """

    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="reconciliation_items",
        verbose_name=_("household"),
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("case"),
    )
    batch = models.CharField(_("import batch"), max_length=64, db_index=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    field = models.CharField(_("what differs"), max_length=40)
    national_value = models.CharField(_("national system says"), max_length=300, blank=True)
    shouwang_value = models.CharField(_("Shouwang says"), max_length=300, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("resolved by"),
    )
    note = models.TextField(_("note"), blank=True)

    objects = ReconciliationQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "household_id", "field", "id"]
        verbose_name = _("reconciliation item")
        verbose_name_plural = _("reconciliation items")
        indexes = [models.Index(fields=["region_code", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.field}"
