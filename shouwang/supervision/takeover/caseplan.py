"""The monitoring record of a national export as a Shouwang case, without replaying the procedure.

For each household the export says is monitored:

- no case yet: a case is created in its real state (monitored or eliminated, with its category,
  risk types, identification and elimination months, elimination mode, safety-net flag), its
  measures and monitoring contact, and one history row "imported from the national system" with
  the file and row;
- a case taken over earlier on which nobody has worked in Shouwang since: it follows the export
  (fields, measures and contact replaced, a history row "updated from the national system");
- any other case (opened in Shouwang, or worked on since the takeover): Shouwang's record stands,
  and each difference becomes a :class:`~.models.ReconciliationItem` for the county.

A household the export does not monitor while Shouwang has an open case is listed the same way.
Part of :class:`.importer.NationalImport`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from shouwang.cases.assistance.models import AssistanceContact, Measure, MeasureStatus
from shouwang.cases.casefiles.models import Case, CaseSource, CaseStatus, Category, EliminationMode
from shouwang.cases.catalogue.models import MeasureType, RiskType
from shouwang.cases.procedure.models import Transition
from shouwang.core import crypto
from shouwang.core.audit import Change, record_changes
from shouwang.core.bulk import insert_rows, update_rows
from shouwang.registry.households.models import IdType, Member
from shouwang.registry.imports.rows import _chunks

from .models import NationalRecord, ReconciliationItem
from .reading import CaseRecord, NationalHousehold, month_text

TAKEOVER_ACTIONS = ("takeover", "takeover_update")
RECORD_UPDATED = ("region_code", "case", "batch", "file_name", "first_row", "year", "digest", "case_digest",
                  "phone", "phone_masked", "household_values", "people")
RECORD_INSERTED = ("household", *RECORD_UPDATED)


@dataclass
class CaseWrites:
    create: list[NationalHousehold] = field(default_factory=list)
    update: list[tuple[NationalHousehold, dict[str, Any], list[str]]] = field(default_factory=list)
    reconcile: list[tuple[NationalHousehold, dict[str, Any] | None, str, str, str]] = field(default_factory=list)


def _status_of(record: CaseRecord) -> str:
    return CaseStatus.ELIMINATED if record.eliminated else CaseStatus.MONITORED


def _label(choices, value: Any) -> str:
    try:
        return str(choices(value).label) if value else ""
    except ValueError:
        return str(value)


class NationalCases:
    """The case part of :class:`.importer.NationalImport`."""

    def _plan_cases(self) -> None:
        self.case_writes = CaseWrites()
        self.case_counts = {"created": 0, "updated": 0, "unchanged": 0}
        self.case_changed: set[str] = set()
        households = [(n, hh) for n, hh in self.national.items() if hh.ok and n not in self.skipped]
        existing_ids = {n: self.matched[n]["id"] for n, _hh in households if n in self.matched}
        latest: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(list(existing_ids.values())):
            for values in Case.objects.filter(household_id__in=chunk).order_by("id").values(
                "id", "household_id", "status", "category", "source", "identified_on", "eliminated_on",
                "elimination_mode", "no_labour_safety_net",
            ):
                latest[values["household_id"]] = values  # the last one wins
        case_ids = [c["id"] for c in latest.values()]
        risks: dict[int, list[str]] = defaultdict(list)
        worked: set[int] = set()
        through = Case.risk_types.through
        for chunk in _chunks(case_ids):
            for case_id, code in through.objects.filter(case_id__in=chunk).values_list("case_id", "risktype__code"):
                risks[case_id].append(code)
            worked.update(Transition.objects.filter(case_id__in=chunk).exclude(action__in=TAKEOVER_ACTIONS)
                          .values_list("case_id", flat=True))
        writes = self.case_writes
        self.risk_names = dict(RiskType.objects.values_list("code", "name_zh"))
        for number, hh in households:
            household_id = existing_ids.get(number)
            case = latest.get(household_id) if household_id else None
            record = hh.record
            if case is not None:
                case["risks"] = sorted(risks.get(case["id"], []))
            if record is None:
                if case is not None and case["status"] in CaseStatus.open():
                    writes.reconcile.append((hh, case, "status", "", _label(CaseStatus, case["status"])))
                    self.case_changed.add(number)
                continue
            if case is None:
                writes.create.append(hh)
                self.case_counts["created"] += 1
                self.case_changed.add(number)
                continue
            ours = case["source"] != CaseSource.NATIONAL or case["id"] in worked
            stored = self.records.get(household_id) or {}
            differences = self._differences(record, case)
            if not differences and stored.get("case_digest") == hh.case_digest:
                self.case_counts["unchanged"] += 1
                continue
            if ours:
                for name, national_value, shouwang_value in differences:
                    writes.reconcile.append((hh, case, name, national_value, shouwang_value))
                self.case_counts["unchanged"] += 1
                if differences:
                    self.case_changed.add(number)
                continue
            writes.update.append((hh, case, [d[0] for d in differences]))
            if differences or stored.get("case_digest") != hh.case_digest:
                self.case_counts["updated"] += 1
                self.case_changed.add(number)

    def _risk_words(self, codes: list[str]) -> str:
        return "、".join(self.risk_names.get(code, code) for code in sorted(codes))

    def _differences(self, record: CaseRecord, case: dict[str, Any]) -> list[tuple[str, str, str]]:
        """(field, national value, Shouwang value) for each field the export and the case disagree on."""
        found = []
        status = _status_of(record)
        shouwang_open = case["status"] in CaseStatus.open()
        if (status == CaseStatus.ELIMINATED) == shouwang_open or case["status"] == CaseStatus.REJECTED:
            found.append(("status", _label(CaseStatus, status), _label(CaseStatus, case["status"])))
        if record.category != case["category"]:
            found.append(("category", _label(Category, record.category), _label(Category, case["category"])))
        if sorted(record.risks) != case["risks"]:
            found.append(("risk_types", self._risk_words(record.risks), self._risk_words(case["risks"])))
        if record.identified_on != case["identified_on"]:
            found.append(("identified_on", month_text(record.identified_on), month_text(case["identified_on"])))
        if record.eliminated and case["status"] == CaseStatus.ELIMINATED:
            if record.eliminated_on and record.eliminated_on != case["eliminated_on"]:
                found.append(("eliminated_on", month_text(record.eliminated_on), month_text(case["eliminated_on"])))
            if record.mode and record.mode != case["elimination_mode"]:
                found.append(("elimination_mode", _label(EliminationMode, record.mode),
                              _label(EliminationMode, case["elimination_mode"])))
        if record.safety_net != case["no_labour_safety_net"]:
            found.append(("no_labour_safety_net", "是" if record.safety_net else "否",
                          "是" if case["no_labour_safety_net"] else "否"))
        return found

    # writing

    def _write_cases(self, ids: dict[str, int]) -> None:
        """Cases, measures, contacts, history, national records and reconciliation items, in bulk."""
        writes = self.case_writes
        today = timezone.localdate()
        now = timezone.now()
        risk_ids = dict(RiskType.objects.values_list("code", "id"))
        measure_ids = dict(MeasureType.objects.values_list("code", "id"))
        changes: list[Change] = []
        file_name = ", ".join(self.file_names)[:200]
        # new cases
        new_cases = [
            Case(household_id=ids[hh.number], region_code=hh.village, category=hh.record.category,
                 source=CaseSource.NATIONAL, first_clue_date=hh.record.identified_on or today,
                 status=_status_of(hh.record), identified_on=hh.record.identified_on,
                 eliminated_on=hh.record.eliminated_on, elimination_mode=hh.record.mode,
                 no_labour_safety_net=hh.record.safety_net, opened_by=self.user)
            for hh in writes.create if hh.number in ids and hh.record is not None
        ]
        Case.objects.bulk_create(new_cases, batch_size=1000)
        case_of: dict[str, Case] = {}  # bulk_create sets the keys (SQLite and PostgreSQL return them)
        by_household = {c.household_id: c for c in new_cases}
        for hh in writes.create:
            if hh.number in ids:
                case_of[hh.number] = by_household[ids[hh.number]]
        # cases taken over earlier that follow the export
        updated: list[tuple[NationalHousehold, int]] = []
        case_rows = []
        for hh, case, changed_fields in writes.update:
            record = hh.record
            case_rows.append((case["id"], record.category, _status_of(record), record.identified_on,
                              record.identified_on or case["identified_on"] or today, record.eliminated_on,
                              record.mode, record.safety_net))
            updated.append((hh, case["id"]))
            changes.append(Change("update", "cases.case", case["id"], hh.number, hh.village,
                                  before={k: str(case.get(k)) for k in ("status", "category")},
                                  after={"status": _status_of(record), "category": record.category,
                                         "changed": changed_fields}))
        update_rows(Case, ("category", "status", "identified_on", "first_clue_date", "eliminated_on",
                           "elimination_mode", "no_labour_safety_net"), case_rows)
        updated_ids = [case_id for _hh, case_id in updated]
        for chunk in _chunks(updated_ids):
            Case.risk_types.through.objects.filter(case_id__in=chunk).delete()
            Measure.objects.filter(case_id__in=chunk).delete()
            AssistanceContact.objects.filter(case_id__in=chunk).delete()
        targets = [(hh, case_of[hh.number].pk, "takeover") for hh in writes.create if hh.number in case_of]
        targets += [(hh, case_id, "takeover_update") for hh, case_id in updated]
        through_rows, measures, contacts, transitions = [], [], [], []
        for hh, case_id, action in targets:
            record = hh.record
            through_rows += [Case.risk_types.through(case_id=case_id, risktype_id=risk_ids[code])
                             for code in record.risks if code in risk_ids]
            status = MeasureStatus.DONE if record.eliminated else MeasureStatus.ACTIVE
            measures += [Measure(case_id=case_id, region_code=hh.village, measure_type_id=measure_ids[code],
                                 description=text, status=status, starts_on=record.identified_on,
                                 created_by=self.user)
                         for code, text in record.measures if code in measure_ids]
            if record.contact_name or record.contact_phone:
                contacts.append(AssistanceContact(
                    case_id=case_id, region_code=hh.village, name=record.contact_name or "-",
                    phone=record.contact_phone, phone_masked=crypto.mask_phone(record.contact_phone)
                    if record.contact_phone else "", starts_on=record.identified_on, created_by=self.user))
            transitions.append(Transition(
                case_id=case_id, action=action, from_status="", to_status=_status_of(record), user=self.user,
                username=self.user.get_username() if self.user else "", level="county", at=now,
                reason=f"{hh.sheet} · {hh.first_row}",
                data={"file": file_name, "sheet": hh.sheet, "row": hh.first_row, "batch": self.report.batch},
            ))
            if action == "takeover":
                changes.append(Change("create", "cases.case", case_id, hh.number, hh.village, None, {
                    "status": _status_of(record), "category": record.category, "source": CaseSource.NATIONAL,
                    "action": action, "file": file_name, "row": hh.first_row}))
        Case.risk_types.through.objects.bulk_create(through_rows, batch_size=2000)
        Measure.objects.bulk_create(measures, batch_size=2000)
        AssistanceContact.objects.bulk_create(contacts, batch_size=2000)
        Transition.objects.bulk_create(transitions, batch_size=2000)
        self._write_records(ids, case_of, updated)
        self._write_certificates(ids)
        self._write_reconciliation(ids)
        for chunk in _chunks(changes, 5000):
            record_changes(chunk)

    def _write_records(self, ids: dict[str, int], case_of: dict[str, Case], updated) -> None:
        """The national record of every household of the file that is not unchanged."""
        updated_case = {hh.number: case_id for hh, case_id in updated}
        new, changed = [], []
        record_fields = [NationalRecord._meta.get_field(name) for name in RECORD_INSERTED]
        for number, hh in self.national.items():
            if not hh.ok or number in self.skipped or number not in ids:
                continue
            household_id = ids[number]
            existing = self.records.get(household_id)
            case_id = case_of[number].pk if number in case_of else updated_case.get(
                number, existing.get("case_id") if existing else None)
            values = {
                "household_id": household_id, "region_code": hh.village, "case_id": case_id,
                "batch": self.report.batch, "file_name": ", ".join(self.file_names)[:200], "first_row": hh.first_row,
                "year": self.year, "digest": hh.digest, "case_digest": hh.case_digest, "phone": hh.phone,
                "phone_masked": crypto.mask_phone(hh.phone) if hh.phone else "",
                "household_values": hh.household_values(),
                "people": {k: v for k, v in hh.people_raw.items() if not k.startswith("name:")},
            }
            if existing is None:
                new.append(values)
            else:
                changed.append((existing["id"], *(values.get(name, values.get(f"{name}_id"))
                                                  for name in RECORD_UPDATED)))
        insert_rows(NationalRecord, RECORD_INSERTED, (
            tuple(f.get_db_prep_save(values.get(f.attname), connection) for f in record_fields) for values in new))
        update_rows(NationalRecord, RECORD_UPDATED, changed)

    def _write_certificates(self, ids: dict[str, int]) -> None:
        """People whose ID came inside a disability certificate number: the ID type and grade."""
        by_grade: dict[int | None, list[str]] = defaultdict(list)
        for number, hh in self.national.items():
            if hh.ok and number in ids:
                for index, (grade, _category) in hh.certificates.items():
                    by_grade[grade].append(index)
        for grade, indexes in by_grade.items():  # one person, one household: the blind index is enough
            for chunk in _chunks(indexes):
                Member.objects.filter(id_index__in=chunk).update(id_type=IdType.DISABILITY, disability_grade=grade)

    def _write_reconciliation(self, ids: dict[str, int]) -> None:
        """New differences only: an open item saying the same thing is not listed twice."""
        items = self.case_writes.reconcile
        if not items:
            return
        household_ids = [ids[hh.number] for hh, *_rest in items if hh.number in ids]
        open_items = set()
        for chunk in _chunks(household_ids):
            open_items.update(ReconciliationItem.objects.open().filter(household_id__in=chunk).values_list(
                "household_id", "field", "national_value", "shouwang_value"))
        rows = []
        for hh, case, name, national_value, shouwang_value in items:
            household_id = ids.get(hh.number)
            if household_id is None or (household_id, name, national_value, shouwang_value) in open_items:
                continue
            rows.append(ReconciliationItem(
                household_id=household_id, region_code=hh.village, case_id=case["id"] if case else None,
                batch=self.report.batch, file_name=", ".join(self.file_names)[:200], row=hh.first_row, field=name,
                national_value=national_value[:300], shouwang_value=shouwang_value[:300]))
        ReconciliationItem.objects.bulk_create(rows, batch_size=1000)

