"""The export back to the national layout: one row per person, grouped by 户编号, header on the third row.

Which households: those of the user's region (and of ``region`` under it, when given) that are
ex-poor, were taken over from the national system (a :class:`.models.NationalRecord`), or have a
case that reached monitoring (monitored, eliminating or eliminated; the latest such case is
written). Households are ordered by the 户编号 written, members head first, then by id.

Values are the inverse of the importer's mapping. Every column that Shouwang models is written
from Shouwang's records; where the national record kept the text a cell was imported with and
that text still means the current value (read with the layout's table and the county's
synonyms), the text is written as it came, else the canonical label: a takeover exported again
gives back the file it came from, and what Shouwang changed since is written in the layout's
own labels. Columns Shouwang does not model are written from the national record's text.

ID and phone numbers (and the birth date, which with the masked number would give the ID back)
are written only in a cleared export; the rows keep the ciphertexts and decrypt them only then.
Reading is in chunks of households, a fixed number of queries each, whatever the county's size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from shouwang.cases.models import (
    DISASTER_CODE,
    AssistanceContact,
    Case,
    CaseStatus,
    Measure,
    MeasureStatus,
    MeasureType,
)
from shouwang.core import crypto
from shouwang.core.audit import record_access
from shouwang.core.exports import write_xlsx_sheets
from shouwang.core.idnumbers import IdNumberError, parse_id_number
from shouwang.core.imports import fold, parse_amount, parse_int
from shouwang.core.permissions import home_region, require
from shouwang.core.regioncodes import ancestor_codes, level_of
from shouwang.regions.models import Region
from shouwang.registry.models import (
    Health,
    Household,
    HouseholdType,
    HouseholdYear,
    HousingGrade,
    IdType,
    Labour,
    Member,
    Relation,
    Schooling,
)

from . import layout
from .layout import BY_KEY, EXPORT_ORDER, MEASURE_COLUMNS, NO, RISK_KEYS, WORK_ORDER, YES
from .models import NationalRecord
from .reading import month_text, parse_month, split_multi
from .services import label_synonyms

EXPORT_ACTION = "supervision.export_national"
UNMASK_ACTION = "supervision.export_unmasked"
OBJECT_TYPE = "national_export"
PEOPLE_SHEET = "监测对象信息"
WORK_SHEET = "已外出务工"
SYSTEM_NAME = "全国防止返贫监测和衔接推进乡村振兴信息系统"
PEOPLE_TITLE = f"{SYSTEM_NAME} 监测对象信息（Shouwang 导出）"
WORK_TITLE = f"{SYSTEM_NAME} 已外出务工信息（Shouwang 导出）"
MASKED_NOTE = "证件号码、电话已脱敏"
# A case is written once it has been monitored (the national system knows no case before that).
REPORTED_STATUSES = (CaseStatus.MONITORED, CaseStatus.ELIMINATING, CaseStatus.ELIMINATED)
CHUNK = 2000  # households read at a time
OTHER_MEASURE = "其他"  # a measure without a description, as the national lists name it

HEADERS = [BY_KEY[key].header for key in EXPORT_ORDER]
WORK_HEADERS = [next(c.header for c in layout.WORK_COLUMNS if c.key == key) for key in WORK_ORDER]
# Which cells hold personal data: masked unless cleared (the birth date: blank unless cleared).
SENSITIVE_HEADERS = tuple(BY_KEY[k].header for k in ("id_number", "phone", "household_phone", "contact_phone"))
_COL = {key: i for i, key in enumerate(EXPORT_ORDER)}
_WORK_COL = {key: i for i, key in enumerate(WORK_ORDER)}
_AMOUNT_KEYS = {
    "wage_income": "wage_income", "business_income": "business_income", "property_income": "property_income",
    "transfer_income": "transfer_income", "business_costs": "business_costs",
    "compliant_out_of_pocket": "compliant_out_of_pocket", "insurance_payouts": "insurance_payouts",
    "per_capita": "per_capita_net_income",
}
_MONITORING_KEYS = (
    "category", "no_labour_safety_net", *RISK_KEYS, "disaster_kind", "eliminated", "identified_month",
    "elimination_mode", "eliminated_month", "contact_name", "contact_phone", *(k for k, *_r in MEASURE_COLUMNS),
)


# --- the cells of one value ----------------------------------------------------------------------

def amount_text(value: Decimal | None) -> str:
    """Yuan as the national export writes them: '3000', '3000.5', '3000.25'."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def first_of_month(day: date | None) -> date | None:
    return day.replace(day=1) if day else None


class Labels:
    """The layout's code tables with the county's synonyms: a label's value, a value's label."""

    def __init__(self, synonyms: dict[str, dict[str, object]] | None = None) -> None:
        synonyms = label_synonyms() if synonyms is None else synonyms
        self.tables = {name: layout.table_choices(name, synonyms.get(name)) for name in layout.TABLES}

    def value(self, table: str, text: str | None) -> Any:
        return self.tables[table].get(text) if text else None

    def cell(self, table: str, value: Any, raw: str | None, sex: str = "") -> str:
        """The raw text when it still means ``value``, else the canonical label."""
        if value is None or value == "":
            return ""
        if raw and self.tables[table].get(raw) == value:
            return raw
        return layout.canonical_label(table, value, sex)

    def yes_no(self, value: bool | None, raw: str | None) -> str:
        if value is None:
            return ""
        if raw and self.tables["yesno"].get(raw) is value:
            return raw
        return YES if value else NO


def text_cell(value: str | None, raw: str | None) -> str:
    value = value or ""
    return raw if raw and fold(raw) == fold(value) else value


def amount_cell(value: Decimal | None, raw: str | None) -> str:
    if value is None:
        return ""
    if raw and parse_amount(raw, allow_negative=True)[0] == value:
        return raw
    return amount_text(value)


def int_cell(value: int | None, raw: str | None) -> str:
    if value is None:
        return ""
    if raw and parse_int(raw)[0] == value:
        return raw
    return str(value)


def month_cell(day: date | None, raw: str | None) -> str:
    """YYYYMM (the raw text when it names the same month)."""
    if day is None:
        return ""
    if raw and parse_month(raw)[0] == first_of_month(day):
        return raw
    return month_text(day)


def multi_cell(current: str, raw: str | None) -> str:
    """A comma-joined cell: the raw text when its items, read as the importer reads them, are ``current``."""
    return raw if raw and ",".join(split_multi(raw)) == current else current


# --- one person's row ----------------------------------------------------------------------------

@dataclass
class PersonRow:
    """A person's cells, with the personal data kept aside: ``values(clear)`` gives the row.

    ``secrets`` are (column, ciphertext or clear text, masked text, suffix); ``birth_cipher`` is the
    ciphertext of the ID number, for the 出生日期 written only in a cleared export.
    """

    cells: list[str]
    secrets: list[tuple[int, str, str, str]] = field(default_factory=list)
    birth_cipher: str = ""
    work: list[list[str]] = field(default_factory=list)  # the person's work spells (WORK_ORDER)
    work_secret: tuple[str, str, str] = ("", "", "")  # the ID number on the work rows, as in ``secrets``

    def values(self, clear: bool) -> list[str]:
        cells = list(self.cells)
        for col, secret, masked, suffix in self.secrets:
            cells[col] = _reveal(secret, suffix) if clear else masked
        if clear:
            cells[_COL["birth"]] = birth_cell(_reveal(self.birth_cipher))
        return cells

    def work_values(self, clear: bool) -> list[list[str]]:
        if not self.work:
            return []
        secret, masked, suffix = self.work_secret
        number = _reveal(secret, suffix) if clear else masked
        rows = []
        for spell in self.work:
            row = list(spell)
            row[_WORK_COL["id_number"]] = number
            rows.append(row)
        return rows


def _reveal(secret: str, suffix: str = "") -> str:
    """A ciphertext decrypted (text kept in the clear passes as it is), with ``suffix`` after it."""
    if not secret:
        return ""
    prefix, sep, _body = secret.partition(":")
    clear = (crypto.decrypt(secret) or "") if sep and prefix == crypto.cipher().prefix else secret
    return clear + suffix


def birth_cell(id_number: str) -> str:
    """YYYYMMDD read from a valid resident ID number; blank for any other number."""
    try:
        return parse_id_number(id_number[:18]).birth_date.strftime("%Y%m%d") if id_number else ""
    except IdNumberError:
        return ""


# --- the export ----------------------------------------------------------------------------------

def scoped_households(user, region: str = ""):
    """The households written: in the user's region (and ``region``), ex-poor, taken over or monitored."""
    households = Household.objects.all() if user is None else Household.objects.restrict(user, "view")
    if region:
        households = households.filter(region_code__startswith=region)
    monitored = Case.objects.filter(household=OuterRef("pk"), status__in=REPORTED_STATUSES)
    taken_over = NationalRecord.objects.filter(household=OuterRef("pk"))
    return households.filter(
        Q(household_type=HouseholdType.EX_POOR) | Exists(taken_over) | Exists(monitored)
    )


def default_year(user=None, region: str = "") -> int:
    """The latest income year on record in the scope (this year when there is none)."""
    years = HouseholdYear.objects.filter(household__in=scoped_households(user, region).values("pk"))
    latest = years.order_by("-year").values_list("year", flat=True).first()
    return latest or timezone.localdate().year


# What the importer takes a blank cell of a taken-over row for: a value equal to it is written blank
# again, so that a file exported back reads as it came.
PERSON_BLANKS: dict[str, Any] = {
    "id_type": IdType.RESIDENT, "education": "", "schooling": Schooling.NONE, "health": Health.HEALTHY,
    "labour": Labour.ORDINARY, "dibao": False, "tekun": False,
}
INSURANCE_BLANKS = {"medical": True, "pension": False}


class NationalRows:
    """The person rows of the national layout for ``user``'s scope (sized, iterated in chunks).

    Iterating gives :class:`PersonRow` objects (the export framework's ``row(obj, clear)`` turns
    one into cells, and so does :func:`write_national`, which also writes their work spells).
    """

    def __init__(self, user, year: int, region: str = "", *, today: date | None = None,
                 synonyms: dict[str, dict[str, object]] | None = None) -> None:
        self.user = user
        self.year = int(year)
        self.region = region or ""
        self.today = today or timezone.localdate()
        self.labels = Labels(synonyms)
        self._households = scoped_households(user, self.region)
        self._count: int | None = None
        self._region_names: dict[str, str] = {}
        self._measure_types = dict(MeasureType.objects.values_list("id", "code"))
        self._development = set(MeasureType.objects.filter(is_development=True).values_list("code", flat=True))

    def __len__(self) -> int:
        if self._count is None:
            self._count = Member.objects.filter(household__in=self._households.values("pk")).count()
        return self._count

    def household_ids(self) -> list[int]:
        number = Coalesce(NullIf(F("national_number"), Value("")), F("number"))
        return list(self._households.annotate(export_number=number).order_by("export_number", "pk")
                    .values_list("pk", flat=True))

    def __iter__(self) -> Iterator[PersonRow]:
        ids = self.household_ids()
        for start in range(0, len(ids), CHUNK):
            yield from self._chunk(ids[start:start + CHUNK])

    # --- reading one chunk ---

    def _chunk(self, ids: Sequence[int]) -> Iterator[PersonRow]:
        households: dict[int, dict[str, Any]] = {h["pk"]: dict(h) for h in Household.objects.filter(pk__in=ids).values(
            "pk", "number", "national_number", "village_id", "household_type")}
        members: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for m in (Member.objects.filter(household_id__in=ids)
                  .annotate(id_cipher=_cipher("id_number"), phone_cipher=_cipher("phone"))
                  .values("id", "household_id", "name", "sex", "id_type", "id_index", "id_masked", "id_cipher",
                          "phone_cipher", "phone_masked", "relation", "ethnicity", "education", "schooling",
                          "health", "disability_grade", "labour", "work_location", "work_months",
                          "medical_insured", "pension_insured", "dibao", "tekun")
                  .order_by()):
            members[m["household_id"]].append(dict(m))
        years = {y["household_id"]: y for y in HouseholdYear.objects.filter(household_id__in=ids, year=self.year)
                 .values("household_id", *set(_AMOUNT_KEYS.values()), "net_income", "housing_grade",
                         "water_secured", "dropout", "uninsured_member").order_by()}
        records: dict[int, dict[str, Any]] = {
            r["household_id"]: dict(r) for r in NationalRecord.objects.filter(household_id__in=ids)
            .annotate(phone_cipher=_cipher("phone"))
            .values("household_id", "region_code", "household_values", "people", "phone_cipher", "phone_masked")
            .order_by()}
        cases = self._cases(ids)
        self._load_region_names({h["village_id"] for h in households.values()})
        for household_id in ids:
            household = households.get(household_id)
            if household is None:
                continue
            record = records.get(household_id)
            ordered = sorted(members.get(household_id, ()), key=lambda m: (m["relation"] != Relation.HEAD, m["id"]))
            base, shared = self._household_cells(household, years.get(household_id), cases.get(household_id),
                                                 record, ordered[0] if ordered else None)
            people = (record or {}).get("people") or {}
            for member in ordered:
                raw = people.get(member["id_index"]) if member["id_index"] else None
                yield self._person(base, shared, member, raw)

    def _cases(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The latest case per household that reached monitoring, with its risks, measures and contact."""
        latest: dict[int, dict[str, Any]] = {}
        for found in (Case.objects.filter(household_id__in=ids, status__in=REPORTED_STATUSES)
                     .values("id", "household_id", "category", "status", "first_clue_date", "identified_on",
                             "eliminated_on", "elimination_mode", "no_labour_safety_net").order_by()):
            case: dict[str, Any] = dict(found)
            current = latest.get(case["household_id"])
            if current is None or _case_order(case) > _case_order(current):
                latest[case["household_id"]] = case
        by_id = {case["id"]: case for case in latest.values()}
        for case in by_id.values():
            case.update(risks=[], measures=defaultdict(list), contact=None)
        through = Case.risk_types.through
        for case_id, code, parent, name, sort in (
            through.objects.filter(case_id__in=by_id)
            .values_list("case_id", "risktype__code", "risktype__parent__code", "risktype__name_zh",
                         "risktype__sort").order_by()
        ):
            by_id[case_id]["risks"].append((code, parent, name, sort))
        for case_id, type_id, description, status in (
            Measure.objects.filter(case_id__in=by_id).exclude(status=MeasureStatus.STOPPED)
            .values_list("case_id", "measure_type_id", "description", "status").order_by("case_id", "starts_on", "id")
        ):
            by_id[case_id]["measures"][self._measure_types.get(type_id, "")].append((description, status))
        contacts: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for contact in (AssistanceContact.objects.filter(case_id__in=by_id)
                        .annotate(phone_cipher=_cipher("phone"))
                        .values("id", "case_id", "name", "phone_cipher", "phone_masked", "starts_on", "ends_on")
                        .order_by()):
            contacts[contact["case_id"]].append(dict(contact))
        for case_id, pool in contacts.items():
            by_id[case_id]["contact"] = self._contact(pool)
        return latest

    def _contact(self, contacts: list[dict[str, Any]]) -> dict[str, Any]:
        """The current contact (the latest started); an eliminated case's last one when none is current."""
        today = self.today
        current = [c for c in contacts if (c["starts_on"] is None or c["starts_on"] <= today)
                   and (c["ends_on"] is None or c["ends_on"] >= today)]
        pool = current or contacts
        return max(pool, key=lambda c: (c["starts_on"] or date.min, c["id"]))

    def _load_region_names(self, villages: Iterable[str]) -> None:
        wanted = {code for village in villages for code in ancestor_codes(village, include_self=True)}
        missing = wanted - self._region_names.keys()
        if missing:
            found = dict(Region.objects.filter(code__in=missing).values_list("code", "name"))
            self._region_names.update({code: found.get(code, "") for code in missing})

    def _area(self, village: str, level: str) -> str:
        codes = [c for c in ancestor_codes(village, include_self=True) if level_of(c) == level]
        return self._region_names.get(codes[0], "") if codes else ""

    # --- the cells ---

    def _household_cells(self, household: dict[str, Any], year: dict[str, Any] | None, case: dict[str, Any] | None,
                         record: dict[str, Any] | None,
                         head: dict[str, Any] | None) -> tuple[list[str], list[tuple[int, str, str, str]]]:
        """The cells every row of the household shares, and its shared personal data (phones).

        户联系电话 is the number the household was taken over with, else the head's phone."""
        labels = self.labels
        raw: dict[str, str] = {k: str(v) for k, v in ((record or {}).get("household_values") or {}).items()
                               if v not in (None, "")}
        cells = [""] * len(EXPORT_ORDER)

        def put(key: str, value: str) -> None:
            cells[_COL[key]] = value

        # columns Shouwang does not model, and those of a monitoring record it does not have: the record's text
        for key in (*layout.EXTRA_HOUSEHOLD_KEYS, *_MONITORING_KEYS):
            if key != "category" and not BY_KEY[key].sensitive:
                put(key, raw.get(key, ""))
        village = household["village_id"]
        put("city", raw.get("city") or self._area(village, "prefecture"))
        put("county", raw.get("county") or self._area(village, "county"))
        if record is not None and record["region_code"] == village and raw.get("village"):
            # the names the household was taken over with, while it stays in that village
            put("township", raw.get("township", ""))
            put("village", raw["village"])
        else:
            put("township", self._area(village, "township"))
            put("village", self._area(village, "village"))
        put("number", household["national_number"] or household["number"])
        household_type = household["household_type"]
        if record is not None and "household_type" not in raw and household_type == HouseholdType.ORDINARY:
            put("household_type", "")
        else:
            put("household_type", labels.cell("household_type", household_type, raw.get("household_type")))
        if year is not None:
            self._year_cells(put, year, raw)
        shared: list[tuple[int, str, str, str]] = []
        if case is not None:
            shared += self._case_cells(put, case, raw, taken_over=record is not None)
        if record is not None and record.get("phone_cipher"):
            shared.append((_COL["household_phone"], record["phone_cipher"], record["phone_masked"] or "", ""))
        elif head is not None and head["phone_cipher"]:
            shared.append((_COL["household_phone"], head["phone_cipher"], head["phone_masked"] or "", ""))
        return cells, shared

    def _year_cells(self, put, year: dict[str, Any], raw: dict[str, str]) -> None:
        labels = self.labels
        for key, field_name in _AMOUNT_KEYS.items():
            put(key, amount_cell(year[field_name], raw.get(key)))
        if not raw.get("net_income") and year["net_income"] is not None:
            put("net_income", amount_text(year["net_income"]))
        grade = year["housing_grade"]
        dangerous = None if not grade else grade in (HousingGrade.C, HousingGrade.D)
        put("dangerous_house", labels.yes_no(dangerous, raw.get("dangerous_house")))
        put("water_secured", labels.yes_no(year["water_secured"], raw.get("water_secured")))
        put("dropout", labels.yes_no(year["dropout"], raw.get("dropout")))
        if not raw.get("uninsured"):
            put("uninsured", labels.yes_no(year["uninsured_member"], None))

    def _case_cells(self, put, case: dict[str, Any], raw: dict[str, str], *,
                    taken_over: bool) -> list[tuple[int, str, str, str]]:
        labels = self.labels
        eliminated = case["status"] == CaseStatus.ELIMINATED

        def flag(key: str, value: bool) -> str:
            # a blank cell of a taken-over record was read as 否
            return "" if taken_over and not value and key not in raw else labels.yes_no(value, raw.get(key))

        put("category", labels.cell("category", case["category"], raw.get("category")))
        put("no_labour_safety_net", flag("no_labour_safety_net", case["no_labour_safety_net"]))
        put("eliminated", flag("eliminated", eliminated))
        put("identified_month", month_cell(case["identified_on"] or case["first_clue_date"],
                                           raw.get("identified_month")))
        put("elimination_mode", labels.cell("elimination_mode", case["elimination_mode"], raw.get("elimination_mode"))
            if eliminated else "")
        put("eliminated_month", month_cell(case["eliminated_on"], raw.get("eliminated_month")) if eliminated else "")
        self._risk_cells(put, case["risks"], raw)
        measures = case["measures"]
        for key, _header, code, _synonyms in MEASURE_COLUMNS:
            current = ",".join((d or "").strip() or OTHER_MEASURE for d, _status in measures.get(code, ()))
            put(key, multi_cell(current, raw.get(key)))
        if not raw.get("development"):
            done = (MeasureStatus.ACTIVE, MeasureStatus.DONE)
            put("development", "已实施" if any(s in done for c in self._development for _d, s in measures.get(c, ()))
                else "尚未实施")
        contact = case["contact"]
        name = contact["name"] if contact else ""
        if name == "-" and not raw.get("contact_name"):
            name = ""  # the importer's stand-in for a contact with a phone and no name
        put("contact_name", text_cell(name, raw.get("contact_name")))
        put("contact_phone", "")
        if contact and contact["phone_cipher"]:
            return [(_COL["contact_phone"], contact["phone_cipher"], contact["phone_masked"], "")]
        return []

    def _risk_cells(self, put, risks: list[tuple[str, str | None, str, int]], raw: dict[str, str]) -> None:
        """Top-level risk types in risk1..5, a natural disaster's kind in 因自然灾害子项.

        The record's cells are kept, in their order, while they name the case's risk types."""
        labels = self.labels
        codes = {r[0] for r in risks}
        read: list[Any] = []
        for key in RISK_KEYS:
            for item in split_multi(raw.get(key)):
                code = labels.value("risk", item)
                if code not in read:
                    read.append(code)
        kind = labels.value("disaster_kind", raw.get("disaster_kind"))
        if kind and kind not in read:
            read.append(kind)
        if set(read) == codes and None not in read:
            for key in (*RISK_KEYS, "disaster_kind"):
                put(key, raw.get(key, ""))
            return
        ordered = sorted(risks, key=lambda r: (r[3], r[0]))
        top = [r for r in ordered if r[1] != DISASTER_CODE]
        names = [layout.canonical_label("risk", r[0]) or r[2] for r in top]
        if len(names) > 5:  # the fifth cell lists the rest, comma-joined
            names = [*names[:4], ",".join(names[4:])]
        for key, text in zip(RISK_KEYS, [*names, "", "", "", "", ""], strict=False):
            put(key, text)
        kinds = [r for r in ordered if r[1] == DISASTER_CODE]
        put("disaster_kind", (layout.canonical_label("disaster_kind", kinds[0][0]) or kinds[0][2]) if kinds else "")

    def _person(self, base: list[str], shared: list[tuple[int, str, str, str]], member: dict[str, Any],
                raw: dict[str, Any] | None) -> PersonRow:
        labels = self.labels
        taken_over = raw is not None
        raw = {k: str(v) for k, v in (raw or {}).items() if k != "spells" and v not in (None, "")} | {
            "spells": (raw or {}).get("spells") or []}
        cells = list(base)

        def put(key: str, value: str) -> None:
            cells[_COL[key]] = value

        def coded(key: str, table: str, value: Any) -> str:
            if taken_over and key not in raw and key in PERSON_BLANKS and value == PERSON_BLANKS[key]:
                return ""
            return labels.cell(table, value, raw.get(key), sex)

        for key in layout.EXTRA_PERSON_KEYS:
            put(key, raw.get(key, ""))
        put("birth", "")  # only in a cleared export (PersonRow.values)
        sex = member["sex"]
        put("name", member["name"])
        put("id_type", coded("id_type", "id_type", member["id_type"]))
        # the sex comes with the ID number: a blank cell stays blank
        put("sex", "" if taken_over and "sex" not in raw else labels.cell("sex", sex, raw.get("sex")))
        put("relation", self._relation(member["relation"], sex, raw.get("relation")))
        put("ethnicity", text_cell(member["ethnicity"], raw.get("ethnicity")))
        for key in ("education", "schooling", "labour", "dibao", "tekun"):
            put(key, coded(key, key, member[key]))
        put("health", self._health(member["health"], raw.get("health"), taken_over))
        put("work_location", text_cell(member["work_location"], raw.get("work_location")))
        put("work_months", int_cell(member["work_months"], raw.get("work_months")))
        self._either(put, "medical", member["medical_insured"], raw, taken_over)
        self._either(put, "pension", member["pension_insured"], raw, taken_over)
        id_suffix = ""
        if member["id_type"] == IdType.DISABILITY and raw.get("disability_category") and member["disability_grade"]:
            id_suffix = f"{raw['disability_category']}{member['disability_grade']}"  # the certificate number
        secrets = [
            *shared,
            (_COL["id_number"], member["id_cipher"] or "", member["id_masked"] or "", id_suffix),
            (_COL["phone"], member["phone_cipher"] or "", member["phone_masked"] or "", ""),
        ]
        row = PersonRow(cells=cells, secrets=secrets, birth_cipher=member["id_cipher"] or "")
        for spell in raw["spells"]:
            work = [str(spell.get(key) or "") for key in WORK_ORDER]
            work[_WORK_COL["number"]] = cells[_COL["number"]]
            row.work.append(work)
        if row.work:
            row.work_secret = (member["id_cipher"] or "", member["id_masked"] or "", id_suffix)
        return row

    def _relation(self, value: str, sex: str, raw: str | None) -> str:
        if raw and self.labels.value("relation", raw) == value:
            return raw
        return layout.canonical_label("relation", value, sex)

    def _health(self, value: str, raw: str | None, taken_over: bool) -> str:
        """健康状况: a combined cell stands for its most serious item (as the importer reads it)."""
        if raw:
            found = {self.labels.value("health", p) for p in split_multi(raw)}
            kept = next((h for h in layout.HEALTH_ORDER if h in found), None)
            if None not in found and kept == value:
                return raw
        elif taken_over and value == Health.HEALTHY:
            return ""
        return layout.canonical_label("health", value or Health.HEALTHY)

    def _either(self, put, kind: str, insured: bool, raw: dict[str, str], taken_over: bool) -> None:
        """Two insurance columns (resident, employee) read as one flag, either of them: the record's pair
        while it says the same."""
        resident, employee = f"{kind}_resident", f"{kind}_employee"
        first, second = raw.get(resident), raw.get(employee)
        flags = [self.labels.value("yesno", text) for text in (first, second) if text]
        if flags and None not in flags and any(flags) == insured:
            put(resident, first or "")
            put(employee, second or "")
        elif taken_over and not flags and insured == INSURANCE_BLANKS[kind]:
            put(resident, "")
            put(employee, "")
        else:
            put(resident, YES if insured else NO)
            put(employee, NO)


def _cipher(field_name: str) -> ExpressionWrapper:
    """An encrypted column as stored (decrypted only for a cleared export)."""
    return ExpressionWrapper(F(field_name), output_field=TextField())


def _case_order(case: dict[str, Any]) -> tuple:
    """An open case before an eliminated one, then the latest identified, then the newest row."""
    return (case["status"] != CaseStatus.ELIMINATED, case["identified_on"] or case["first_clue_date"] or date.min,
            case["id"])


# --- the workbook --------------------------------------------------------------------------------

def region_label(user, region: str = "") -> str:
    """The names from the county down to the region exported (the user's own region by default)."""
    code = region or (home_region(user) if user is not None else "") or ""
    if not code:
        return "全部地区"
    codes = [c for c in ancestor_codes(code, include_self=True) if len(c) >= 6]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return "".join(names.get(c, "") for c in codes) or code


def title_rows(user, year: int, region: str = "", *, clear: bool, now: datetime | None = None,
               title: str = PEOPLE_TITLE) -> list[list[str]]:
    """The two rows above the header: what the file is, then where, which year, when, masked or not."""
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y-%m-%d %H:%M")
    second = f"{region_label(user, region)}　收入年度：{year}　导出时间：{stamp}"
    if not clear:
        second += f"　{MASKED_NOTE}"
    return [[title], [second]]


def write_national(target: str | Path | IO[bytes], *, user, year: int, region: str = "", clear: bool = False,
                   reason: str = "", now: datetime | None = None) -> int:
    """Write the national-layout workbook (监测对象信息 and 已外出务工) for ``user``'s scope; return
    the number of person rows. ``user`` None is the system (county-wide, e.g. a command).

    Clear ID and phone numbers need a reason, and a user who may unmask; the export is logged as
    ``export_unmasked`` (with the reason) or ``export``.
    """
    reason = " ".join((reason or "").split())
    if user is not None:
        require(user, EXPORT_ACTION)
        if clear:
            require(user, UNMASK_ACTION)
    if clear and not reason:
        raise ValueError("A reason is required to export full ID and phone numbers.")
    rows = NationalRows(user, year, region)
    work: list[list[str]] = []
    counter = {"people": 0}

    def people() -> Iterator[list[str]]:
        for person in rows:
            counter["people"] += 1
            work.extend(person.work_values(clear))
            yield person.values(clear)

    write_xlsx_sheets(target, [
        (PEOPLE_SHEET, HEADERS, people(), title_rows(user, rows.year, region, clear=clear, now=now)),
        (WORK_SHEET, WORK_HEADERS, (row for row in work),
         title_rows(user, rows.year, region, clear=clear, now=now, title=WORK_TITLE)),
    ])
    log_export(user, year=rows.year, region=region, clear=clear, reason=reason,
               detail={"people": counter["people"], "work": len(work)})
    return counter["people"]


def log_export(user, *, year: int, region: str, clear: bool, reason: str, detail: dict[str, Any]) -> None:
    record_access(
        "export_unmasked" if clear else "export",
        object_type=OBJECT_TYPE, object_repr="国家系统格式导出",
        region_code=region or (home_region(user) if user is not None else "") or "",
        fields=",".join(SENSITIVE_HEADERS) if clear else "", reason=reason if clear else "",
        detail={"export": "national", "year": year, "region": region, **detail},
        user=user,
    )

