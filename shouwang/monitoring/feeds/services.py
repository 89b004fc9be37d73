"""Department feeds: the two-phase import and its commit, whose batches one sees, leads that become signals.

The import (:class:`FeedImport`) runs on :mod:`shouwang.core.imports`, from a file (upload page,
``manage.py import_feed``) or from JSON rows (``POST /api/feeds/{type}/rows/``), the same way:

1.–3. **Check**, **match** and **plan**: :mod:`.checking`.
4. **Commit** (when asked): one transaction; a :class:`FeedBatch` with the file's SHA-256, the
   user and the counts; signals and leads written with ``core.bulk.insert_rows`` (never ``save()``
   per row), each with its batch, file name and row number; corrections updated in bulk and
   recorded in the change log; older leads whose person has since been registered become
   signals. A re-import that would write nothing creates no batch.

The feed types and their columns are :mod:`.catalogue`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from shouwang.core import crypto
from shouwang.core.audit import Change, record_access, record_changes
from shouwang.core.bulk import insert_rows
from shouwang.core.idnumbers import mask_id_number
from shouwang.core.imports import Report, iter_chunks
from shouwang.core.permissions import can, restrict
from shouwang.core.signals import announce_households_changed, data_changed
from shouwang.regions.models import Region
from shouwang.registry.households.layers import LayerPlan, LayerRow, plan_layers, write_layers
from shouwang.registry.models import LayerKind, Member

from .catalogue import check_alias
from .checking import CENT, CHUNK, LEAD_FIELDS, SIGNAL_FIELDS, STORED_ISSUES, FeedCheck, FeedRow, Progress
from .models import FeedBatch, FeedColumnAlias, FeedLead, FeedSignal, FeedType
from .permissions import FEED, READ_REGION_FEEDS

# --- scoping ------------------------------------------------------------------------------------


def batches_for(user):
    """Batches a user may see: their region's for county staff, their own for a department officer."""
    qs = FeedBatch.objects.restrict(user, FEED.name)
    if can(user, FEED.name) and not can(user, READ_REGION_FEEDS.name):
        qs = qs.filter(user=user)
    return qs


def leads_for(user):
    qs = FeedLead.objects.restrict(user, FEED.name)
    if can(user, FEED.name) and not can(user, READ_REGION_FEEDS.name):
        qs = qs.filter(batch__user=user)
    return qs


# --- per-county header names ------------------------------------------------------------------


def add_alias(region_code: str, feed_type: str, column: str, header: str, user=None) -> FeedColumnAlias:
    """Record a county's header name; raises ``ValueError`` with an English msgid when it cannot be."""
    reason = check_alias(feed_type, column, header)
    if reason:
        raise ValueError(reason)
    alias, _created = FeedColumnAlias.objects.get_or_create(
        region_code=region_code, feed_type=feed_type, header=" ".join(header.split()),
        defaults={"column": column, "created_by": user if getattr(user, "pk", None) else None},
    )
    return alias


# --- the import ---------------------------------------------------------------------------------


# The civil-affairs layer feed's kinds and the registry layers they keep (see registry/households/layers.py).
LAYER_OF_KIND: dict[str, str] = {
    FeedSignal.Kind.LAYER_DIBAO: LayerKind.DIBAO,
    FeedSignal.Kind.LAYER_TEKUN: LayerKind.TEKUN,
    FeedSignal.Kind.LAYER_DIBAO_EDGE: LayerKind.DIBAO_EDGE,
    FeedSignal.Kind.LAYER_RIGID_SPENDING: LayerKind.RIGID_SPENDING,
}


class FeedImport(FeedCheck):
    """Check (and on request commit) one feed file or one API push for one user (None: the system).

    ``complete`` (the low-income layer feed only): the list names everyone in the layers it names
    in the importer's region, so the layers it no longer names end (``registry.households.layers``).
    """

    complete = False
    _layer_plan: LayerPlan | None = None

    def __init__(self, *args, complete: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.complete = bool(complete) and self.feed_type == FeedType.LOW_INCOME

    def run_rows(self, payload: Any, *, name: str = "api", commit: bool = False) -> Report:
        if isinstance(payload, dict) and payload.get("complete") is True and self.feed_type == FeedType.LOW_INCOME:
            self.complete = True
        return super().run_rows(payload, name=name, commit=commit)

    def _plan_changes(self) -> None:
        super()._plan_changes()
        if self.feed_type != FeedType.LOW_INCOME:
            return
        rows = [
            LayerRow(row.member[1], row.member[0], row.member[2], LAYER_OF_KIND[row.kind], row.date,
                     date.fromisoformat(row.detail["end"]) if row.detail.get("end") else None, row.reference)
            for row in self.rows if row.member is not None and row.kind in LAYER_OF_KIND
        ]
        scope = self.prefix or None
        self._layer_plan = plan_layers(rows, source=self.feed_type, as_of=self.today,
                                       complete=self.complete and not self.report.errors, scope_prefix=scope)
        self.report.details["layers"] = self._layer_plan.counts() | {"complete": self.complete}

    # commit

    def _finish(self, commit: bool) -> Report:
        report = self.report
        writes = (self._plan and any(self._plan.values())) or bool(self._layer_plan)
        if commit and writes:
            self.progress(0, 0, gettext_noop("Writing the signals"))
            with transaction.atomic():
                self._write()
                layer_households = self._write_layers()
                self.promoted = promote_leads(self.user)
                report.details["leads_matched_now"] = self.promoted
                report.committed = True
                self._log_access()
                self._store_report()
                transaction.on_commit(
                    lambda: data_changed.send(sender=FeedSignal, part="monitoring", region_codes=None)
                )
                # Screening (above feeds) screens them again once this commits.
                announce_households_changed(
                    FeedSignal, sorted({*self._changed_households(), *layer_households}), user=self.user)
        else:
            if commit and self._plan:
                self.promoted = promote_leads(self.user)
                report.details["leads_matched_now"] = self.promoted
            self._log_access()
        return report

    def _write_layers(self) -> list[int]:
        if not self._layer_plan:
            return []
        assert self.batch is not None
        return write_layers(self._layer_plan, source=self.feed_type, batch_id=self.batch.pk, on=self.today)

    def _changed_households(self) -> list[int]:
        """The households whose signals this commit wrote (new or corrected)."""
        plan = self._plan or {}
        ids = {row.member[1] for row in plan.get("new_signals", ())}
        ids.update(row.member[1] for _pk, _before, row in plan.get("signal_updates", ()))
        return sorted(ids)

    def _batch_region(self) -> str:
        if self.prefix is not None:
            return self.prefix
        regions = {row.member[2][:6] for row in self.rows if row.member is not None}
        if len(regions) == 1:
            return regions.pop()
        counties = list(Region.objects.filter(level=Region.Level.COUNTY).values_list("code", flat=True)[:2])
        return counties[0] if len(counties) == 1 else ""

    def _write(self) -> None:
        report, plan = self.report, self._plan
        batch = self.batch = FeedBatch.objects.create(
            feed_type=self.feed_type, file_name=self.file_name, sha256=self.sha256, channel=self.channel,
            user=self.user if getattr(self.user, "pk", None) else None, region_code=self._batch_region(),
            total=report.total, accepted=report.accepted, rejected=report.rejected, created=report.created,
            updated=report.updated, unchanged=report.unchanged, matched=report.details["matched"],
            unmatched=report.details["unmatched"],
        )
        report.batch = str(batch.pk)
        connection = connections[FeedSignal.objects.db]
        date_field = FeedSignal._meta.get_field("date")
        json_field = FeedSignal._meta.get_field("detail")
        date_cache: dict[date, Any] = {}

        def db_date(value: date):
            try:
                return date_cache[value]
            except KeyError:
                date_cache[value] = prepared = date_field.get_db_prep_save(value, connection)
                return prepared

        empty_detail = json_field.get_db_prep_save({}, connection)

        def db_detail(value: dict):
            return json_field.get_db_prep_save(value, connection) if value else empty_detail

        name = self.file_name
        insert_rows(FeedSignal, SIGNAL_FIELDS, (
            (r.member[1], r.member[0], r.member[2], r.kind, db_date(r.date), r.amount, r.category, r.reference,
             db_detail(r.detail), self.feed_type, batch.pk, name, r.row, r.key)
            for r in plan["new_signals"]
        ))
        encrypt = crypto.encrypt
        insert_rows(FeedLead, LEAD_FIELDS, (
            (batch.pk, batch.region_code, self.feed_type, r.kind, encrypt(r.id_number), r.id_index,
             mask_id_number(r.id_number), r.name, db_date(r.date), r.amount, r.category, r.reference,
             db_detail(r.detail), name, r.row, r.key)
            for r in plan["new_leads"]
        ))
        changes: list[Change] = []
        updated = []
        for pk, before, row in plan["signal_updates"]:
            updated.append(FeedSignal(
                pk=pk, kind=row.kind, date=row.date, amount=row.amount, category=row.category, detail=row.detail,
                batch_id=batch.pk, file_name=name, row_number=row.row,
            ))
            changes.append(_correction("monitoring.feedsignal", pk, before, row, row.member[2]))
        FeedSignal.objects.bulk_update(
            updated, ["kind", "date", "amount", "category", "detail", "batch", "file_name", "row_number"],
            batch_size=500,
        )
        updated_leads = []
        for pk, before, row in plan["lead_updates"]:
            updated_leads.append(FeedLead(
                pk=pk, kind=row.kind, date=row.date, amount=row.amount, category=row.category, detail=row.detail,
                file_name=name, row_number=row.row,
            ))
            changes.append(_correction("monitoring.feedlead", pk, before, row, batch.region_code))
        FeedLead.objects.bulk_update(
            updated_leads, ["kind", "date", "amount", "category", "detail", "file_name", "row_number"], batch_size=500,
        )
        changes.insert(0, Change(
            action="create", object_type="monitoring.feedbatch", object_id=batch.pk, object_repr=str(batch),
            region_code=batch.region_code,
            after={"feed_type": self.feed_type, "file_name": name, "sha256": self.sha256,
                   **{k: getattr(batch, k) for k in ("total", "accepted", "rejected", "created", "updated",
                                                     "unchanged", "matched", "unmatched")}},
        ))
        record_changes(changes)

    def _store_report(self) -> None:
        data = self.summary(portable=True, limit=STORED_ISSUES)
        assert self.batch is not None  # called after _write, which created the batch
        FeedBatch.objects.filter(pk=self.batch.pk).update(report=data)
        self.batch.report = data

    def _log_access(self) -> None:
        report = self.report
        record_access(
            "import",
            object_type="feed_import",
            object_id=report.batch or self.sha256[:16],
            object_repr=f"{FeedType(self.feed_type).label}: {self.file_name}"[:200],
            region_code=self.prefix or "",
            detail={k: v for k, v in report.to_dict().items() if k not in ("errors", "warning_details")}
            | {"errors": len(report.errors)},
        )

    # results

    def summary(self, *, portable: bool = False, limit: int | None = None) -> dict[str, Any]:
        """The registry-import JSON shape plus ``"unmatched"``: the rows kept as leads (masked)."""
        data = self.report.to_dict(portable=portable)
        if limit is not None:
            for name in ("errors", "warning_details"):
                if len(data[name]) > limit:
                    data["details"] = dict(data["details"]) | {f"{name}_not_stored": len(data[name]) - limit}
                    data[name] = data[name][:limit]
        data["unmatched"] = self.unmatched
        return data


def _correction(object_type: str, pk: int, before: Sequence[Any], row: FeedRow, region: str) -> Change:
    def snap(kind, when, amount, category):
        return {"kind": kind, "date": str(when)[:10],
                "amount": None if amount is None else str(Decimal(str(amount)).quantize(CENT)), "category": category}

    return Change(
        action="update", object_type=object_type, object_id=pk, object_repr=f"{row.kind} {row.date}",
        region_code=region, before=snap(*before), after=snap(row.kind, row.date, row.amount, row.category),
    )


def _link_leads(pairs: Iterable[tuple[int, str]]) -> int:
    """Point leads at the signals with the same key (read back by key, one query per 900)."""
    pairs = list(pairs)
    by_key: dict[str | None, int] = {}
    for chunk in iter_chunks([key for _, key in pairs], CHUNK):
        by_key.update(FeedSignal.objects.filter(dedupe_key__in=list(chunk)).values_list("dedupe_key", "id"))
    now = timezone.now()
    leads = [FeedLead(pk=pk, resolved_signal_id=by_key[key], resolved_at=now) for pk, key in pairs if key in by_key]
    FeedLead.objects.bulk_update(leads, ["resolved_signal", "resolved_at"], batch_size=500)
    return len(leads)


def promote_leads(user=None) -> int:
    """Turn waiting leads whose person is now in the registry (in ``user``'s region) into signals.

    Called at every feed commit: a lead recorded before the person was registered then feeds
    screening like any other signal, with its original batch, file and row as provenance.
    """
    leads = FeedLead.objects.filter(resolved_signal__isnull=True)
    if user is not None:  # the system promotes everywhere; a user within their region
        leads = restrict(user, leads, FEED.name)
    waiting = list(leads.values_list(
        "id", "id_index", "feed_type", "kind", "date", "amount", "category", "reference", "detail", "batch_id",
        "file_name", "row_number", "dedupe_key",
    ))
    if not waiting:
        return 0
    members = Member.objects.exclude(id_index="")
    if user is not None:
        members = restrict(user, members, FEED.name)
    known: dict[str, tuple[int, int, str]] = {}
    for chunk in iter_chunks(sorted({w[1] for w in waiting}), CHUNK):
        for id_index, pk, household_id, region in members.filter(id_index__in=list(chunk)).values_list(
                "id_index", "id", "household_id", "region_code"):
            known[id_index] = (pk, household_id, region)
    ready = [w for w in waiting if w[1] in known]
    if not ready:
        return 0
    existing: set[str | None] = set()
    for chunk in iter_chunks([w[12] for w in ready], CHUNK):
        existing.update(FeedSignal.objects.filter(dedupe_key__in=list(chunk)).values_list("dedupe_key", flat=True))
    connection = connections[FeedSignal.objects.db]
    date_field = FeedSignal._meta.get_field("date")
    json_field = FeedSignal._meta.get_field("detail")
    with transaction.atomic():
        insert_rows(FeedSignal, SIGNAL_FIELDS, (
            (known[w[1]][1], known[w[1]][0], known[w[1]][2], w[3], date_field.get_db_prep_save(w[4], connection),
             w[5], w[6], w[7], json_field.get_db_prep_save(w[8] or {}, connection), w[2], w[9], w[10], w[11], w[12])
            for w in ready if w[12] not in existing
        ))
        return _link_leads((w[0], w[12]) for w in ready)


def import_feed(feed_type: str, content: bytes | str | Path | IO[bytes], filename: str, *, user=None,
                commit: bool = False, channel: str = FeedBatch.Channel.COMMAND,
                progress: Progress | None = None, complete: bool = False) -> FeedImport:
    """Check (and when ``commit``) import one feed file; the importer holds the report and summary."""
    importer = FeedImport(feed_type, user, channel=channel, progress=progress, complete=complete)
    importer.run_file(content, filename, commit=commit)
    return importer
