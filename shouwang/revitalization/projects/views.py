"""Project library pages: the list, a project, the proposal form, the review and decision, funds,
disbursements, households reached, the county's figures and target, roll-over, the import.

Thin views over :mod:`.services`; who may do what is declared in :mod:`.permissions`. A project
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
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.import_pages import XLSX_TYPE
from shouwang.core.permissions import can, home_region, require, requires
from shouwang.regions.models import region_names

from . import permissions as perms
from . import services as service
from .beneficiary_import import BeneficiaryImport
from .beneficiary_import import build_template as build_beneficiary_template
from .filters import ProjectFilter
from .forms import (
    BeneficiaryForm,
    BeneficiaryImportForm,
    DisbursementForm,
    FundsForm,
    ImportForm,
    ProposalForm,
    StepForm,
    TargetForm,
)
from .importer import ProjectImport, build_template
from .models import Beneficiary, FundSource, Project

PAGE_SIZE = 50


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def project_list(request: HttpRequest) -> HttpResponse:
    """The library of the user's region, newest year first, with its filter."""
    filterset = ProjectFilter.for_page(request.GET, service.projects_for(request.user), request.user)
    paginator = Paginator(filterset.rows(), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    townships = region_names({p.region_code[:9] for p in page.object_list})
    for p in page.object_list:
        p.township_name = townships.get(p.region_code[:9], "")
    return render(request, "revitalization/projects/project_list.html", {
        "filter_form": filterset.form, "page": page, "paginator": paginator,
        "can_propose": can(request.user, perms.PROPOSE.name),
        "can_import": can(request.user, perms.IMPORT.name),
    })


def _project(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(service.projects_for(request.user), pk=pk)


def _detail(request: HttpRequest, project: Project, *, error: str = "", status: int = 200, forms=None) -> HttpResponse:
    user = request.user
    funds = {f.source: f.amount for f in project.funds.all()}
    beneficiaries = list(service.visible_beneficiaries(user, project))
    context = {
        "project": project,
        "villages": list(project.villages.order_by("code")),
        "funds": [(label, funds.get(source)) for source, label in FundSource.choices],
        "disbursements": list(project.disbursements.select_related("recorded_by")),
        "beneficiaries": beneficiaries,
        "hidden_beneficiaries": project.beneficiaries.count() - len(beneficiaries),
        "steps": [(service.step_label(s.step), s) for s in project.steps.select_related("acted_by")],
        "available_steps": service.available_steps(user, project),
        "can_fund": can(user, perms.RECORD_FUNDS.name, project) and project.status == "approved",
        "can_benefit": can(user, perms.RECORD_BENEFICIARIES.name, project)
        and project.status not in ("rejected", "rolled_over"),
        "step_form": StepForm(), "funds_form": FundsForm(initial_amounts=funds),
        "disbursement_form": DisbursementForm(), "beneficiary_form": BeneficiaryForm(),
        "error": error,
    }
    context.update(forms or {})
    return render(request, "revitalization/projects/project_detail.html", context, status=status)


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _project(request, pk))


@login_required
@requires(perms.PROPOSE.name)
@require_http_methods(["GET", "HEAD", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    form = ProposalForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = service.propose(request.user, village=data["village"], year=data["year"], name=data["name"],
                                      goal=data["goal"], category=data["category"], budget=data["budget"],
                                      villages=data["villages"], description=data["description"],
                                      linkage=data["linkage"])
        except service.ProjectInvalid as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The project is proposed; the township reviews it next."))
            return redirect("revitalization:project_detail", pk=project.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "revitalization/projects/project_form.html", {"form": form}, status=status)


def _refusal(request: HttpRequest, project: Project, exc: Exception) -> HttpResponse:
    code = 403 if isinstance(exc, PermissionDenied) else 409 if isinstance(exc, service.ProjectNotAllowed) else 400
    return _detail(request, project, error=str(exc) or _("You may not do this."), status=code)


def _step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    project = _project(request, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        return _detail(request, project, error=_("Choose pass or reject."), status=400)
    try:
        service.act(project, request.user, step, passed=form.cleaned_data["outcome"] == "pass",
                    reason=form.cleaned_data["reason"])
    except (PermissionDenied, service.ProjectNotAllowed, service.ProjectInvalid) as exc:
        return _refusal(request, project, exc)
    messages.success(request, _("Recorded."))
    return redirect("revitalization:project_detail", pk=project.pk)


@login_required
@requires(perms.REVIEW.name)
@require_POST
def project_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "review")


@login_required
@requires(perms.DECIDE.name)
@require_POST
def project_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "decide")


@login_required
@requires(perms.RECORD_FUNDS.name)
@require_POST
def project_funds(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = FundsForm(request.POST)
    if not form.is_valid():
        return _detail(request, project, error=_("Check the amounts."), status=400, forms={"funds_form": form})
    amounts = {k: v for k, v in form.cleaned_data.items() if v is not None}
    try:
        service.set_funds(project, request.user, amounts)
    except (PermissionDenied, service.ProjectNotAllowed, service.ProjectInvalid) as exc:
        return _refusal(request, project, exc)
    messages.success(request, _("The funds are recorded."))
    return redirect("revitalization:project_detail", pk=project.pk)


@login_required
@requires(perms.RECORD_FUNDS.name)
@require_POST
def project_disburse(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = DisbursementForm(request.POST)
    if not form.is_valid():
        return _detail(request, project, error=_("Check the date and the amount."), status=400,
                       forms={"disbursement_form": form})
    try:
        service.add_disbursement(project, request.user, **form.cleaned_data)
    except (PermissionDenied, service.ProjectNotAllowed, service.ProjectInvalid) as exc:
        return _refusal(request, project, exc)
    messages.success(request, _("The disbursement is recorded."))
    return redirect("revitalization:project_detail", pk=project.pk)


@login_required
@requires(perms.RECORD_BENEFICIARIES.name)
@require_POST
def project_beneficiary(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = BeneficiaryForm(request.POST)
    if not form.is_valid():
        return _detail(request, project, error=_("Give the household number and how it benefits."), status=400,
                       forms={"beneficiary_form": form})
    data = form.cleaned_data
    try:
        service.add_beneficiary(project, request.user, household=service.find_household(request.user,
                                                                                         data["household"]),
                                kind=data["kind"], amount=data["amount"], note=data["note"])
    except (PermissionDenied, service.ProjectNotAllowed, service.ProjectInvalid) as exc:
        return _refusal(request, project, exc)
    messages.success(request, _("The household is recorded."))
    return redirect("revitalization:project_detail", pk=project.pk)


@login_required
@requires(perms.RECORD_BENEFICIARIES.name)
@require_POST
def beneficiary_remove(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Beneficiary.objects.restrict(request.user, "view").select_related("project",
                                                                                              "household"), pk=pk)
    try:
        service.remove_beneficiary(row, request.user)
    except PermissionDenied as exc:
        return _refusal(request, row.project, exc)
    messages.success(request, _("The household is removed from the project."))
    return redirect("revitalization:project_detail", pk=row.project_id)


# --- the county's figures -------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or request.POST.get("year") or service.today().year)
    except ValueError:
        return service.today().year


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def project_figures(request: HttpRequest) -> HttpResponse:
    """The library's figures for the user's region (or a region inside it) and a year."""
    code = service.check_figures_region(request.user, request.GET.get("region", ""))
    year = _year(request)
    county = service.county_of(code)
    return render(request, "revitalization/projects/project_figures.html", {
        "figures": service.figures(code, year), "year": year, "region_name": region_names([code]).get(code, code),
        "can_edit_target": can(request.user, perms.EDIT_SETTINGS.name, county),
        "can_roll_over": can(request.user, perms.ROLL_OVER.name, code),
        "target_form": TargetForm(initial={"target": service.target_for(code)}),
        "unfunded": service.unfunded(service.projects_for(request.user).filter(year=year)).count(),
    })


@login_required
@requires(perms.EDIT_SETTINGS.name)
@require_POST
def project_target(request: HttpRequest) -> HttpResponse:
    form = TargetForm(request.POST)
    county = service.county_of(home_region(request.user) or "")
    if form.is_valid():
        try:
            service.set_target(request.user, county, form.cleaned_data["target"])
        except service.ProjectInvalid as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The target is saved."))
    else:
        messages.error(request, _("Give a percentage between 0 and 100."))
    return redirect("revitalization:project_figures")


@login_required
@requires(perms.ROLL_OVER.name)
@require_POST
def project_roll_over(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    made = service.roll_over(home_region(request.user) or "", year, request.user)
    messages.success(request, _("%(n)d unfunded projects rolled over to %(next)d.") % {"n": len(made),
                                                                                       "next": year + 1})
    return redirect(f"{reverse('revitalization:project_figures')}?year={year}")


# --- import ---------------------------------------------------------------------------------------


@login_required
@requires(perms.IMPORT.name)
@require_http_methods(["GET", "HEAD", "POST"])
def project_import(request: HttpRequest) -> HttpResponse:
    """Upload a project spreadsheet: check it (validate), or check and import it (commit)."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = ProjectImport(request.user).run(upload.read(), upload.name,
                                                 commit=form.cleaned_data["mode"] == "commit")
    status = 400 if request.method == "POST" and report is None else 200
    return render(request, "revitalization/projects/project_import.html", {
        "form": form, "report": report, "issues": report.sorted_issues()[:500] if report else [],
    }, status=status)


@login_required
@requires(perms.IMPORT.name)
@require_http_methods(["GET", "HEAD"])
def project_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(build_template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "项目库导入模板.xlsx")
    return response


@login_required
@requires(perms.RECORD_BENEFICIARIES.name)
@require_http_methods(["GET", "HEAD", "POST"])
def beneficiary_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the households a project reaches: check the file (validate), or check and import it (commit)."""
    project = _project(request, pk)
    try:
        importer = BeneficiaryImport(project, request.user)
    except service.ProjectNotAllowed as exc:
        return _refusal(request, project, exc)
    form = BeneficiaryImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = importer.run(upload.read(), upload.name, commit=form.cleaned_data["mode"] == "commit")
    status = 400 if request.method == "POST" and report is None else 200
    return render(request, "revitalization/projects/beneficiary_import.html", {
        "project": project, "form": form, "report": report,
        "issues": report.sorted_issues()[:500] if report else [],
    }, status=status)


@login_required
@requires(perms.RECORD_BENEFICIARIES.name)
@require_http_methods(["GET", "HEAD"])
def beneficiary_import_template(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    require(request.user, perms.RECORD_BENEFICIARIES.name, project)
    response = HttpResponse(build_beneficiary_template(project, request.user), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"联农带农导入模板-{project.pk}.xlsx")
    return response
