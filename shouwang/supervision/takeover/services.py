"""The takeover's small services: the county's synonym table (as the importer reads it, and kept
by the county administrator) and the reconciliation list (read by region, resolved with a note).

(The import itself is :mod:`.importer`, the export back :mod:`.exporter`.) Every change is checked
here and written to the change log in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.audit import Change, acting_unless_known, record_changes
from shouwang.core.imports import Choices, normalise_header
from shouwang.core.permissions import require

from .layout import BY_KEY, COLUMNS, EXTENSIBLE_TABLES, TABLES, WORK_COLUMNS, table_choices
from .models import NationalSynonym, ReconciliationItem
from .permissions import MANAGE_SYNONYMS, RESOLVE_RECONCILIATION

HEADER = "header"


def header_synonyms() -> dict[str, tuple[str, ...]]:
    """The county's extra headers per column key of the layout."""
    found: dict[str, list[str]] = defaultdict(list)
    for text, value in NationalSynonym.objects.filter(table=HEADER).values_list("text", "value"):
        if value in BY_KEY:
            found[value].append(text)
    return {key: tuple(texts) for key, texts in found.items()}


def label_synonyms() -> dict[str, dict[str, object]]:
    """The county's extra labels per code table: {table: {label: value}} (values as the table's own)."""
    values_of = {table: {str(v): v for v in (*labels.values(), *synonyms.values())}
                 for table, (labels, synonyms) in TABLES.items()}
    found: dict[str, dict[str, object]] = defaultdict(dict)
    for table, text, value in NationalSynonym.objects.exclude(table=HEADER).values_list("table", "text", "value"):
        if table in values_of and value in values_of[table]:
            found[table][text] = values_of[table][value]
    return dict(found)


# --- the synonym table ------------------------------------------------------------------------------

SYNONYM_FIELDS = ("table", "text", "value")
TEXT_MAX_LENGTH = 100  # NationalSynonym.text


def synonym_tables() -> tuple[str, ...]:
    """The tables a county may add to: the headers, then every code table."""
    return (HEADER, *EXTENSIBLE_TABLES)


def synonym_values(table: str) -> dict[str, str]:
    """What a synonym of ``table`` may mean, value (as stored) → its description: a column key with
    its canonical header, or a code table's value with its canonical labels (``农村低保 / 城市低保``)."""
    if table == HEADER:
        return {c.key: c.header for c in COLUMNS}
    if table not in TABLES:
        return {}
    labels, _synonyms = TABLES[table]
    found: dict[str, list[str]] = {}
    for label, value in labels.items():
        found.setdefault(str(value), []).append(label)
    return {value: " / ".join(names) for value, names in found.items()}


def _builtin_meaning(table: str, text: str) -> str | None:
    """What ``text`` already means in the layout itself (a column's header or a table's label), else None."""
    if table == HEADER:
        folded = normalise_header(text)
        for column in (*COLUMNS, *WORK_COLUMNS):
            if folded in column.engine_column().names():
                return column.header
        return None
    value = table_choices(table).get(text)
    if value is None:
        return None
    return synonym_values(table).get(str(value), str(value))


def _same_text(table: str, text: str) -> NationalSynonym | None:
    """The county's synonym of ``table`` with this text as the importer compares it, if any."""
    key = normalise_header if table == HEADER else Choices.key
    folded = key(text)
    return next((s for s in NationalSynonym.objects.filter(table=table) if key(s.text) == folded), None)


def _synonym_snapshot(synonym: NationalSynonym) -> dict[str, str]:
    return {name: getattr(synonym, name) for name in SYNONYM_FIELDS}


def add_synonym(user, table: str, text: str, value: str) -> NationalSynonym:
    """Add a county synonym: ``text`` in a national file means ``value`` of ``table``.

    Refused (``ValidationError`` keyed by field) for an unknown table or value, an empty text, a
    text the layout already knows (a built-in header or label) or one the table already has.
    """
    require(user, MANAGE_SYNONYMS.name)
    text = " ".join((text or "").split())
    value = (value or "").strip()
    if table not in synonym_tables():
        raise ValidationError({"table": _("Choose the headers or one of the code tables.")})
    if not text:
        raise ValidationError({"text": _("Type the text as it appears in the national file.")})
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError({"text": _("The text is longer than 100 characters.")})
    values = synonym_values(table)
    if value not in values:
        raise ValidationError({"value": _("Choose what the text means from the list.")})
    builtin = _builtin_meaning(table, text)
    if builtin is not None:
        raise ValidationError({"text": _(
            "“%(text)s” is already known without a synonym: it means “%(meaning)s”."
        ) % {"text": text, "meaning": builtin}})
    existing = _same_text(table, text)
    if existing is not None:
        raise ValidationError({"text": _(
            "“%(text)s” is already in the synonym table: it means “%(meaning)s”."
        ) % {"text": existing.text, "meaning": values.get(existing.value, existing.value)}})
    with transaction.atomic(), acting_unless_known(user, "supervision"):
        synonym = NationalSynonym.objects.create(
            table=table, text=text, value=value, created_by=user if getattr(user, "pk", None) else None,
        )
        record_changes([Change(
            action="create", object_type="supervision.nationalsynonym", object_id=synonym.pk,
            object_repr=str(synonym), after=_synonym_snapshot(synonym),
        )])
    return synonym


def delete_synonym(user, synonym: NationalSynonym) -> None:
    """Remove a county synonym (the next import no longer reads that text)."""
    require(user, MANAGE_SYNONYMS.name)
    with transaction.atomic(), acting_unless_known(user, "supervision"):
        record_changes([Change(
            action="delete", object_type="supervision.nationalsynonym", object_id=synonym.pk,
            object_repr=str(synonym), before=_synonym_snapshot(synonym),
        )])
        synonym.delete()


# --- the reconciliation list --------------------------------------------------------------------------


def reconciliation_for(user, action: str = "view") -> QuerySet[ReconciliationItem]:
    """The reconciliation items in the user's region (for ``action``), with their households."""
    return ReconciliationItem.objects.restrict(user, action).select_related("household__village", "resolved_by")


# What differs, in words (the fields the importer compares a case on).
FIELD_LABELS = {
    "status": gettext_lazy("Case status"),
    "category": gettext_lazy("Monitoring category"),
    "risk_types": gettext_lazy("Risk types"),
    "identified_on": gettext_lazy("Month identified"),
    "eliminated_on": gettext_lazy("Month the risk was eliminated"),
    "elimination_mode": gettext_lazy("Way the risk was eliminated"),
    "no_labour_safety_net": gettext_lazy("Whole household without labour capacity (safety net)"),
}


def field_label(field: str) -> str:
    """What differs, in words: the field's label, else the national column's header, else the field."""
    if field in FIELD_LABELS:
        return str(FIELD_LABELS[field])
    column = BY_KEY.get(field)
    return column.header if column is not None else field


def resolve_item(user, item: ReconciliationItem, note: str) -> ReconciliationItem:
    """Mark an item resolved with the note saying what was done (corrected nationally, or why not)."""
    require(user, RESOLVE_RECONCILIATION.name, item)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done: the note is required.")})
    with transaction.atomic(), acting_unless_known(user, "supervision"):
        locked = ReconciliationItem.objects.select_for_update().get(pk=item.pk)
        if locked.resolved_at is not None:
            raise ValidationError(_("This item is already resolved."))
        before = {"resolved_at": None, "note": locked.note}
        locked.resolved_at = timezone.now()
        locked.resolved_by = user if getattr(user, "pk", None) else None
        locked.note = note
        locked.save(update_fields=["resolved_at", "resolved_by", "note", "updated_at"])
        record_changes([Change(
            action="update", object_type="supervision.reconciliationitem", object_id=locked.pk,
            object_repr=str(locked), region_code=locked.region_code, before=before,
            after={"resolved_at": locked.resolved_at.isoformat(), "note": note},
        )])
    item.resolved_at, item.resolved_by, item.note = locked.resolved_at, locked.resolved_by, locked.note
    return item
