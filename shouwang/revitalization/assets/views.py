"""Asset pages: the overview, one ledger per class, one asset with its checks, incomes and disposals.

Thin views over :mod:`.services`; who may do what is declared in :mod:`.permissions`. An asset
outside the user's region answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.import_pages import XLSX_TYPE
from shouwang.core.permissions import can, home_region, requires, restrict

from . import services as service
from .filters import AssetFilter
from .forms import AssetForm, CheckForm, DecisionForm, DisposalForm, ImportForm, IncomeForm
from .importer import AssetImport, build_template
from .models import Asset, AssetClass, AssetCondition, AssetDisposal

PAGE_SIZE = 50
# The export of each class's ledger (supervision/exports/revitalization_assets.py).
EXPORTS = {AssetClass.OPERATING: "assets_operating", AssetClass.PUBLIC: "assets_public",
           AssetClass.HOUSEHOLD: "assets_household"}


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def asset_index(request: HttpRequest) -> HttpResponse:
    """The three ledgers of the user's region at a glance, and the disposals awaiting the county."""
    year = timezone.localdate().year
    region = home_region(request.user) or ""
    figures = service.region_figures(region, year)
    return render(request, "revitalization/assets/index.html", {
        "by_class": figures["by_class"], "income": figures["income"], "year": year,
        "pending": list(service.pending_disposals(request.user)[:50]),
        "can_add": can(request.user, "revitalization.manage_assets"),
        "can_import": can(request.user, "revitalization.import_assets"),
    })


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def asset_ledger(request: HttpRequest, asset_class: str) -> HttpResponse:
    if asset_class not in AssetClass.values:
        raise Http404
    params = request.GET.copy()
    params["asset_class"] = asset_class
    ledger = AssetFilter.for_page(params, service.visible_assets(request.user), request.user)
    rows = service.with_ledger_columns(ledger.rows()).order_by("region_code", "number")
    paginator = Paginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for asset in page.object_list:
        asset.last_check_label = AssetCondition(asset.last_check_result).label if asset.last_check_result else ""
    return render(request, "revitalization/assets/ledger.html", {
        "asset_class": asset_class, "class_label": AssetClass(asset_class).label, "filter_form": ledger.form,
        "page": page, "paginator": paginator, "totals": service.ledger_totals(ledger.rows()),
        "year": timezone.localdate().year, "export_name": EXPORTS[AssetClass(asset_class)],
        "classes": AssetClass.choices, "can_add": can(request.user, "revitalization.manage_assets"),
    })


@login_required
@requires("revitalization.manage_assets")
@require_http_methods(["GET", "HEAD", "POST"])
def asset_new(request: HttpRequest) -> HttpResponse:
    initial = {"asset_class": request.GET.get("asset_class", "")}
    form = AssetForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            asset = service.create_asset(request.user, **form.cleaned_data)
        except (service.AssetInvalid, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The asset is recorded."))
            return redirect("revitalization:asset_detail", pk=asset.pk)
    return render(request, "revitalization/assets/form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@requires("revitalization.manage_assets")
@require_http_methods(["GET", "HEAD", "POST"])
def asset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    initial = {name: getattr(asset, name) for name in service.ASSET_FIELDS if name not in ("region", "project",
                                                                                        "household")}
    initial |= {"region": asset.region_id, "project": asset.project_id,
                "household": asset.household.number if asset.household else ""}
    form = AssetForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data if name in service.ASSET_FIELDS}
        try:
            service.update_asset(request.user, asset, **changed)
        except (service.AssetInvalid, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The asset is saved."))
            return redirect("revitalization:asset_detail", pk=asset.pk)
    return render(request, "revitalization/assets/form.html", {"form": form, "asset": asset},
                  status=400 if request.method == "POST" else 200)


def _asset(request: HttpRequest, pk: int) -> Asset:
    return get_object_or_404(service.visible_assets(request.user).select_related("region", "project", "household"),
                             pk=pk)


def _detail(request: HttpRequest, asset: Asset, *, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    incomes = list(asset.incomes.all())
    return render(request, "revitalization/assets/detail.html", {
        "asset": asset, "checks": list(asset.checks.all()[:50]), "incomes": incomes,
        "income_totals": service.income_totals(asset.incomes.all()),
        "disposals": list(asset.disposals.select_related("requested_by", "decided_by")),
        "check_form": forms.get("check_form") or CheckForm(),
        "income_form": forms.get("income_form") or IncomeForm(),
        "disposal_form": forms.get("disposal_form") or DisposalForm(),
        "decision_form": DecisionForm(),
        "can_manage": can(user, "revitalization.manage_assets", asset),
        "can_request": can(user, "revitalization.request_asset_disposal", asset) and asset.status != "disposed",
        "can_decide": can(user, "revitalization.approve_asset_disposal", asset),
        "error": forms.get("error"),
    }, status=status)


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _asset(request, pk))


@login_required
@requires("revitalization.manage_assets")
@require_POST
def asset_check(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    form = CheckForm(request.POST)
    if form.is_valid():
        try:
            service.record_check(request.user, asset, **form.cleaned_data)
        except service.AssetInvalid as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The check is recorded."))
            return redirect("revitalization:asset_detail", pk=asset.pk)
    return _detail(request, asset, status=400, check_form=form)


@login_required
@requires("revitalization.manage_assets")
@require_POST
def asset_income(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    form = IncomeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        distribution = service.Distribution(income=data["income"], to_collective=data["to_collective"],
                                            to_households=data["to_households"], to_monitored=data["to_monitored"])
        try:
            service.record_income(request.user, asset, data["year"], distribution,
                                  households_reached=data["households_reached"],
                                  monitored_reached=data["monitored_reached"])
        except service.AssetInvalid as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The income is recorded."))
            return redirect("revitalization:asset_detail", pk=asset.pk)
    return _detail(request, asset, status=400, income_form=form)


@login_required
@requires("revitalization.request_asset_disposal")
@require_POST
def asset_dispose(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    form = DisposalForm(request.POST)
    if form.is_valid():
        try:
            service.request_disposal(request.user, asset, **form.cleaned_data)
        except service.AssetInvalid as exc:
            form.add_error(None, str(exc))
        except service.AssetNotAllowed as exc:
            return _detail(request, asset, status=409, error=str(exc))
        else:
            messages.success(request, _("The disposal awaits the county's approval."))
            return redirect("revitalization:asset_detail", pk=asset.pk)
    return _detail(request, asset, status=400, disposal_form=form)


@login_required
@requires("revitalization.approve_asset_disposal")
@require_POST
def asset_decide(request: HttpRequest, pk: int) -> HttpResponse:
    disposal = get_object_or_404(restrict(request.user, AssetDisposal.objects.all(), "view"), pk=pk)
    asset = _asset(request, disposal.asset_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, asset, status=400, error=_("Choose approve or refuse."))
    try:
        service.decide_disposal(request.user, disposal, approve=form.cleaned_data["decision"] == "approve",
                                note=form.cleaned_data["note"])
    except PermissionDenied as exc:
        return _detail(request, asset, status=403, error=str(exc))
    except service.AssetInvalid as exc:
        return _detail(request, asset, status=400, error=str(exc))
    except service.AssetNotAllowed as exc:
        return _detail(request, asset, status=409, error=str(exc))
    messages.success(request, _("The decision is recorded."))
    return redirect("revitalization:asset_detail", pk=asset.pk)


@login_required
@requires("revitalization.import_assets")
@require_http_methods(["GET", "HEAD", "POST"])
def asset_import(request: HttpRequest) -> HttpResponse:
    """Upload an asset ledger: check it (validate), or check and import it (commit)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = AssetImport(request.user).run(upload.read(), upload.name,
                                               commit=form.cleaned_data["mode"] == "commit")
    return render(request, "revitalization/assets/import.html", {
        "form": form, "report": report, "issues": report.sorted_issues()[:500] if report else [],
    }, status=400 if request.method == "POST" and report is None else 200)


@login_required
@requires("revitalization.import_assets")
@require_http_methods(["GET", "HEAD"])
def asset_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(build_template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "项目资产导入模板.xlsx")
    return response
