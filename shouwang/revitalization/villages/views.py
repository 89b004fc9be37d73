"""Village pages: the profiles of a year, one village's page, its profile form, the key villages
without a first secretary, the county's weak-village threshold, and the import of profiles.

Thin views over :mod:`.services`; who may do what is declared in :mod:`.permissions`. A village
outside the user's region answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.core.import_pages import XLSX_TYPE
from shouwang.core.permissions import can, home_region, requires

from ..assets import services as assets
from ..assets.models import AssetClass
from . import services as service
from .filters import VillageProfileFilter
from .forms import ImportForm, ProfileForm, ThresholdForm
from .importer import VillageProfileImport, build_template
from .models import VillageProfile

PAGE_SIZE = 50


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else service.today().year


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def village_list(request: HttpRequest) -> HttpResponse:
    listed = VillageProfileFilter.for_page(request.GET, service.visible_profiles(request.user), request.user)
    rows = listed.rows().order_by("region_code")
    paginator = Paginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    year = _year(request)
    region = home_region(request.user) or ""
    return render(request, "revitalization/villages/list.html", {
        "filter_form": listed.form, "page": page, "paginator": paginator, "year": year,
        "lacking": service.key_villages_without_secretary(region, year).count(),
        "threshold": service.threshold_for(region) if len(region) >= 6 else None,
        "can_set_threshold": can(request.user, "revitalization.set_weak_threshold"),
        "can_import": can(request.user, "revitalization.import_village_profiles"),
    })


def _village(request: HttpRequest, code: str):
    return get_object_or_404(service.visible_villages(request.user), code=code)


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def village_profile(request: HttpRequest, code: str) -> HttpResponse:
    """One village: its profile of the year, households and people, monitored households, projects,
    assets, cadres, and the panels other parts add (the scorecard)."""
    village = _village(request, code)
    year = _year(request)
    on = service.today()
    profile = service.profile_of(code, year)
    cadres = list(service.village_cadres(code, on))
    village_assets = list(assets.with_ledger_columns(service.village_assets(code), year))
    return render(request, "revitalization/villages/profile.html", {
        "village": village, "year": year, "years": range(on.year, on.year - 6, -1), "profile": profile,
        "threshold": service.threshold_for(code), "counts": service.village_counts(code),
        "projects": list(service.village_projects(code, year)),
        "assets": village_assets,
        "asset_classes": assets.figures_by_class(service.village_assets(code)),
        "cadres": cadres,
        "has_secretary": any(c.kind == "first_secretary" for c in cadres),
        "panels": service.panels(request.user, code, year),
        "can_edit": can(request.user, "revitalization.edit_village_profile", village),
        "AssetClass": AssetClass,
    })


@login_required
@requires("revitalization.edit_village_profile")
@require_http_methods(["GET", "HEAD", "POST"])
def village_edit(request: HttpRequest, code: str) -> HttpResponse:
    village = _village(request, code)
    year = _year(request)
    profile = VillageProfile.objects.filter(village=village, year=year).first()
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ProfileForm.Meta.fields}
        try:
            service.save_profile(request.user, village, year, **fields)
        except (service.ProfileInvalid, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The profile is saved."))
            return redirect(f"{reverse('revitalization:village_profile', args=[code])}?year={year}")
    return render(request, "revitalization/villages/edit.html", {"form": form, "village": village, "year": year},
                  status=400 if request.method == "POST" else 200)


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def key_villages(request: HttpRequest) -> HttpResponse:
    """The key villages of the user's region with no first secretary in term today."""
    year = _year(request)
    region = home_region(request.user) or ""
    return render(request, "revitalization/villages/key_villages.html", {
        "year": year, "rows": list(service.key_villages_without_secretary(region, year)),
        "on": service.today(),
    })


@login_required
@requires("revitalization.set_weak_threshold")
@require_http_methods(["GET", "HEAD", "POST"])
def village_threshold(request: HttpRequest) -> HttpResponse:
    county = (home_region(request.user) or "")[:6]
    form = ThresholdForm(request.POST or None, initial={"weak_threshold": service.threshold_for(county)})
    if request.method == "POST" and form.is_valid():
        try:
            service.set_threshold(request.user, county, form.cleaned_data["weak_threshold"])
        except service.ProfileInvalid as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The threshold is saved."))
            return redirect("revitalization:village_list")
    return render(request, "revitalization/villages/threshold.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@requires("revitalization.import_village_profiles")
@require_http_methods(["GET", "HEAD", "POST"])
def village_import(request: HttpRequest) -> HttpResponse:
    """Upload village profiles: check them (validate), or check and import them (commit)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = VillageProfileImport(request.user).run(upload.read(), upload.name,
                                                        commit=form.cleaned_data["mode"] == "commit")
    return render(request, "revitalization/villages/import.html", {
        "form": form, "report": report, "issues": report.sorted_issues()[:500] if report else [],
    }, status=400 if request.method == "POST" and report is None else 200)


@login_required
@requires("revitalization.import_village_profiles")
@require_http_methods(["GET", "HEAD"])
def village_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(build_template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "村情档案导入模板.xlsx")
    return response
