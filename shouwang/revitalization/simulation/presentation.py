"""A run's result (``Outcome.as_dict``) arranged for the pages: villages under their townships, with names."""

from __future__ import annotations

from shouwang.core.regioncodes import LEVEL_CODE_LENGTH
from shouwang.regions.models import region_names

SIDES = ("before", "after", "enter", "leave")
TOWNSHIP = LEVEL_CODE_LENGTH["township"]


def _zero() -> dict:
    return {side: {"households": 0, "people": 0} for side in SIDES}


def _add(total: dict, figures: dict) -> None:
    for side in SIDES:
        for name in ("households", "people"):
            total[side][name] += figures.get(side, {}).get(name, 0)


def arrange(result: dict) -> list[dict]:
    """Each section of ``result`` with ``townships``: a list of {code, name, figures, villages: [...]}, only
    the townships and villages where someone enters or leaves, by code."""
    sections = []
    codes: set[str] = set()
    for section in result.get("sections", []):
        for code in section.get("villages", {}):
            codes.update((code, code[:TOWNSHIP]))
    names = region_names(codes)
    for section in result.get("sections", []):
        townships: dict[str, dict] = {}
        for code, figures in sorted(section.get("villages", {}).items()):
            if not (figures["enter"]["households"] or figures["leave"]["households"]):
                continue
            township = townships.setdefault(code[:TOWNSHIP], {"code": code[:TOWNSHIP],
                                                              "name": names.get(code[:TOWNSHIP], code[:TOWNSHIP]),
                                                              "figures": _zero(), "villages": []})
            _add(township["figures"], figures)
            township["villages"].append({"code": code, "name": names.get(code, code), "figures": figures})
        sections.append({**section, "townships": list(townships.values())})
    return sections
