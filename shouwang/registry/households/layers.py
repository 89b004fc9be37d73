"""Low-income layers (低保, 特困, 低保边缘, 刚性支出困难家庭): planning and writing their periods.

A civil-affairs list names people and their layer, with the start of the period and, where it
has ended, its end. Its rows are applied to the registry's :class:`LowIncomeLayer` periods, keyed
by (household, member, layer):

* a row without an end: the key's open period stays as it is; a closed period with the same start
  is opened again (the person is listed as current again); otherwise a new open period starts;
* a row with an end: the period with the same start (else the key's open one) ends on that date;
  with neither, the closed period is recorded as it is;
* a list **marked complete** (the import says so: upload page, ``--complete``, the API's
  ``"complete": true``) also ends, on the day before the list's date (``as_of``), every open period *that this
  feed recorded* in the importer's region, of a layer the list names, whose key the list no
  longer names. A list not marked complete never ends anything it does not name; periods entered
  by hand are never ended by a list.

The member flags ``Member.dibao`` and ``Member.tekun`` follow the layers (:func:`sync_member_flags`):
for every member whose periods a list touched, the flag is true exactly when the member has a
current 低保 (特困) period. A member civil affairs never listed keeps the flag the registry import
gave it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q

from shouwang.core.audit import Change, record_changes
from shouwang.core.imports import iter_chunks

from .models import Household, LayerKind, LowIncomeLayer, Member

MANUAL = "manual"
Key = tuple[int, int | None, str]  # (household id, member id, layer)


@dataclass(frozen=True)
class LayerRow:
    household_id: int
    member_id: int | None
    region_code: str
    layer: str
    start: date
    end: date | None = None
    reference: str = ""


@dataclass
class LayerPlan:
    new: list[LayerRow] = field(default_factory=list)
    # (period id, end before, end after, region code, household id, member id, layer)
    ends: list[tuple[int, date | None, date | None, str, int, int | None, str]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ended(self) -> int:
        return sum(1 for e in self.ends if e[2] is not None)

    @property
    def reopened(self) -> int:
        return sum(1 for e in self.ends if e[2] is None)

    def __bool__(self) -> bool:
        return bool(self.new or self.ends)

    def counts(self) -> dict[str, int]:
        return {"created": len(self.new), "ended": self.ended, "reopened": self.reopened, "unchanged": self.unchanged}


def current_q(on: date, prefix: str = "") -> Q:
    """Periods current on ``on`` (lookups relative to ``LowIncomeLayer``, or ``prefix`` + "__")."""
    p = f"{prefix}__" if prefix else ""
    return Q(**{f"{p}start__lte": on}) & (Q(**{f"{p}end__isnull": True}) | Q(**{f"{p}end__gte": on}))


def plan_layers(rows: Sequence[LayerRow], *, source: str, as_of: date, complete: bool = False,
                scope_prefix: str | None = None) -> LayerPlan:
    """What applying ``rows`` (one list of ``source``) changes; nothing is written."""
    plan = LayerPlan()
    by_key: dict[Key, LayerRow] = {}
    for row in rows:  # a person listed twice in one layer: the later row stands
        by_key[(row.household_id, row.member_id, row.layer)] = row
    households = sorted({row.household_id for row in by_key.values()})
    periods: dict[Key, list[LowIncomeLayer]] = {}
    for chunk in iter_chunks(households, 900):
        for period in LowIncomeLayer.objects.filter(household_id__in=list(chunk)).order_by("start", "pk"):
            periods.setdefault((period.household_id, period.member_id, period.layer), []).append(period)
    for key, row in by_key.items():
        found = periods.get(key, [])
        same_start = next((p for p in found if p.start == row.start), None)
        open_period = next((p for p in found if p.end is None), None)
        target = same_start or (open_period if row.end is not None else None)
        if target is None and row.end is None and open_period is not None:
            plan.unchanged += 1
            continue
        if target is None:
            plan.new.append(row)
        elif target.end == row.end:
            plan.unchanged += 1
        else:
            plan.ends.append((target.pk, target.end, row.end, target.region_code, target.household_id,
                              target.member_id, target.layer))
    if complete:
        named_layers = {row.layer for row in by_key.values()}
        stale = LowIncomeLayer.objects.filter(source=source, end__isnull=True, layer__in=sorted(named_layers))
        if scope_prefix:
            stale = stale.filter(region_code__startswith=scope_prefix)
        for pk, household_id, member_id, layer, region, start in stale.values_list(
                "pk", "household_id", "member_id", "layer", "region_code", "start").iterator():
            if (household_id, member_id, layer) not in by_key:
                # Not on the list of ``as_of``: last in the layer the day before.
                plan.ends.append((pk, None, max(as_of - timedelta(days=1), start), region, household_id, member_id,
                                  layer))
    return plan


def write_layers(plan: LayerPlan, *, source: str, batch_id: int | None = None,
                 on: date | None = None) -> list[int]:
    """Write a plan (inside the caller's transaction); returns the households whose layers changed."""
    on = on or date.today()
    LowIncomeLayer.objects.bulk_create([
        LowIncomeLayer(household_id=row.household_id, member_id=row.member_id, region_code=row.region_code,
                       layer=row.layer, start=row.start, end=row.end, source=source, batch_id=batch_id,
                       reference=row.reference)
        for row in plan.new
    ], batch_size=500)
    updates = [LowIncomeLayer(pk=pk, end=after, ended_by_batch_id=batch_id if after is not None else None)
               for pk, _before, after, *_rest in plan.ends]
    LowIncomeLayer.objects.bulk_update(updates, ["end", "ended_by_batch_id"], batch_size=500)
    record_changes([
        Change(action="update", object_type="registry.lowincomelayer", object_id=pk,
               object_repr=f"{household_id} {layer}", region_code=region,
               before={"end": before.isoformat() if before else None},
               after={"end": after.isoformat() if after else None, "batch": batch_id, "source": source})
        for pk, before, after, region, household_id, _member, layer in plan.ends
    ])
    members = {row.member_id for row in plan.new} | {e[5] for e in plan.ends}
    sync_member_flags(sorted(m for m in members if m is not None), on)
    return sorted({row.household_id for row in plan.new} | {e[4] for e in plan.ends})


def sync_member_flags(member_ids: Iterable[int], on: date | None = None) -> int:
    """Set ``dibao``/``tekun`` of these members to whether they have a current 低保/特困 period:
    one UPDATE per chunk, the answer computed by the database. Returns the members changed."""
    on = on or date.today()
    ids = sorted(set(member_ids))
    changed = 0

    def current(layer: str):
        return Exists(LowIncomeLayer.objects.filter(current_q(on), member_id=OuterRef("pk"), layer=layer))

    for chunk in iter_chunks(ids, 900):
        members = Member.objects.filter(pk__in=list(chunk))
        stale = members.filter(
            Q(dibao=True) & ~current(LayerKind.DIBAO) | Q(dibao=False) & current(LayerKind.DIBAO)
            | Q(tekun=True) & ~current(LayerKind.TEKUN) | Q(tekun=False) & current(LayerKind.TEKUN))
        households = set(stale.values_list("household_id", flat=True))
        changed += stale.update(dibao=current(LayerKind.DIBAO), tekun=current(LayerKind.TEKUN))
        if households:
            Household.objects.filter(pk__in=sorted(households)).exclude(import_digest="").update(import_digest="")
    return changed


def household_layers(household: Household, on: date | None = None) -> list[dict]:
    """The household's periods, newest first, each with whether it is current on ``on``."""
    on = on or date.today()
    return [
        {"period": period, "current": period.current_on(on)}
        for period in household.low_income_layers.select_related("member").order_by("-start", "layer", "pk")
    ]
