"""The revitalization registers' figures on a township's or the county's dashboard (the project library,
assets, key villages), read from ``revitalization.villages.services.register_figures``."""

from __future__ import annotations

from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from shouwang.revitalization.villages.services import register_figures


def _money(value: Any) -> str:
    return intcomma(f"{value:.2f}") if value is not None else "—"


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}%"


def register_rows(region: str, year: int) -> list[tuple[str, str]]:
    """(label, value) of the year's register figures of ``region`` (a code prefix)."""
    figures = register_figures(region, year)
    income = figures["asset_income"]
    rows = [
        (_("Projects in the library"), intcomma(figures["projects"])),
        (_("Project funds (yuan)"), _money(figures["funds"])),
        (_("Paid out (yuan)"), _money(figures["disbursed"])),
        (_("Disbursement rate"), _percent(figures["disbursement_rate"])),
        (_("Industry share of linkage funds"), _percent(figures["industry_share"])),
        (_("Households reached by projects"), intcomma(figures["households_reached"])),
    ]
    rows += [
        (_("Assets: %(class)s") % {"class": row["label"]},
         f'{intcomma(row["count"])} · {_money(row["value"])}')
        for row in figures["assets_by_class"]
    ]
    rows += [
        (_("Asset income this year (yuan)"), _money(income.get("income"))),
        (_("Key villages"), intcomma(figures["key_villages"])),
        (_("Key villages without a first secretary in term"), intcomma(figures["key_villages_without_secretary"])),
    ]
    return rows
