"""The relative-poverty page (figures of a year, the trend, charts) and setting the county's shares.

Thin views: the figures come from :mod:`.services`, the selection from :mod:`.filters`, who may
set the shares from :mod:`.permissions` (asked again by ``services.save_shares``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.core.permissions import can, requires
from shouwang.core.regioncodes import ancestor_codes
from shouwang.monitoring.lines.services import no_line_message
from shouwang.regions.models import region_names

from . import services
from .filters import Selection, select
from .forms import SharesForm
from .permissions import EDIT_SHARES, VIEW_RELATIVE


def _page_url(region: str, year: int | None) -> str:
    query = {"region": region, **({"year": year} if year else {})}
    return f"{reverse('revitalization:relative_poverty')}?{urlencode(query)}"


def _index(value: float | None, *, as_percent: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.2f}" if as_percent else f"{value:.4f}"


def _area_row(area: services.Area, lines: list[services.Line], link: str = "") -> dict:
    cells = []
    for line in lines:
        p = area.poverty.get(line.key) or services.Poverty()
        cells.append({"line": line, "poor_people": p.poor_people, "poor_households": p.poor_households,
                      "p0": _index(p.p0, as_percent=True),
                      "p1": _index(p.p1), "p2": _index(p.p2)})
    return {"area": area, "cells": cells, "link": link}


def _crumbs(user, selection: Selection) -> list[tuple[str, str]]:
    codes = [code for code in ancestor_codes(selection.region, include_self=True) if len(code) >= 6]
    names = region_names(codes)
    return [(names.get(code, code), _page_url(code, selection.year) if code != selection.region
             and can(user, "view", code) else "") for code in codes]


def _trend_rows(years: list[services.YearFigures], keys: list[tuple[str, str]]) -> list[dict]:
    rows = []
    for item in years:
        amounts = {line.key: line.amount for line in item.lines}
        cells = []
        for key, _label in keys:
            p = item.region.poverty.get(key)
            cells.append({"amount": amounts.get(key), "p0": _index(p.p0 if p else None, as_percent=True),
                          "p1": _index(p.p1 if p else None), "p2": _index(p.p2 if p else None)})
        rows.append({"item": item, "cells": cells})
    return rows


@login_required
@requires(VIEW_RELATIVE.name)
@require_http_methods(["GET", "HEAD"])
def relative_poverty(request: HttpRequest) -> HttpResponse:
    selection = select(request.user, request.GET)
    context: dict = {"selection": selection, "crumbs": _crumbs(request.user, selection),
                     "conventions": services.CONVENTIONS}
    if selection.year is not None:
        current = services.figures(selection.year, selection.region)
        years = services.trend(selection.region, selection.years, known=current)
        keys = services.line_keys(years)
        links = {part.code: _page_url(part.code, selection.year) for part in current.parts
                 if can(request.user, "view", part.code)}
        context.update({
            "current": current,
            "region_row": _area_row(current.region, current.lines),
            "part_rows": [_area_row(part, current.lines, links.get(part.code, "")) for part in current.parts],
            "trend_keys": keys,
            "trend_rows": _trend_rows(years, keys),
            "charts": services.chart_specs(current, years, links),
            "no_line": no_line_message(selection.year) if current.monitoring_line_missing else "",
            "can_edit_shares": can(request.user, EDIT_SHARES.name, selection.county),
            "shares_form": SharesForm(initial={
                "county": selection.county, "year": selection.year,
                "shares": ", ".join(str(share) for share in current.shares)}),
            "export_query": urlencode({"region": selection.region, "year": selection.year}),
            "exports": [("relative_poverty", _("Figures of the year by area")),
                        ("relative_poverty_trend", _("Figures over the years"))],
        })
    return render(request, "revitalization/relative/page.html", context)


@login_required
@requires(EDIT_SHARES.name)
@require_http_methods(["POST"])
def relative_shares(request: HttpRequest) -> HttpResponse:
    """Set the county's shares of the median for a year (``services.save_shares``), back to the page."""
    form = SharesForm(request.POST)
    region = request.POST.get("region") or ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.save_shares(request.user, data["county"], data["year"], data["shares"], data["note"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not set these shares."))
        else:
            messages.success(request, _("The shares of the relative lines for %(year)s were saved.") % {
                "year": data["year"]})
        if not (region.startswith(data["county"]) and can(request.user, "view", region)):
            region = data["county"]
        year = data["year"] if data["year"] in services.data_years(region) else None
        return redirect(_page_url(region, year))
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    return redirect("revitalization:relative_poverty")
