"""Public notices (公示): the village's list, posting a notice, the printable page and the Word file.

A notice is posted through ``services.create_notice`` (the minimum period, the village and the
cases' step are checked there); the printable page and the document are built by
:mod:`.documents` from the same rows, in Chinese and without personal numbers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.cases.casefiles.models import Case, CaseStatus
from shouwang.cases.pages import PAGE_SIZE, head_name_subquery, scope_villages
from shouwang.cases.procedure.deadlines import today_date
from shouwang.cases.procedure.engine import cases_with_steps
from shouwang.cases.procedure.lateentry import LateReasonRequired
from shouwang.cases.procedure.models import ProcedureSettings, ProcedureStatus, Step, StepCode, StepStatus
from shouwang.cases.procedure.refusals import ActionRefused
from shouwang.core.audit import record_access
from shouwang.core.permissions import can, requires
from shouwang.regions.filters import labelled_villages
from shouwang.regions.models import Region

from .documents import build_docx, docx_filename, notice_content
from .forms import NoticeForm
from .models import Notice, NoticeKind
from .services import create_notice

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def cases_at_notice(user, village_code: str):
    """The village's cases whose open procedure is at its public-notice step, with the head's name."""
    at_notice = Step.objects.filter(
        procedure__case=OuterRef("pk"), procedure__status=ProcedureStatus.OPEN, code=StepCode.NOTICE,
        status=StepStatus.OPEN,
    )
    return (
        Case.objects.restrict(user, "change").filter(region_code=village_code, status__in=CaseStatus.open())
        .filter(Exists(at_notice)).annotate(head_name=head_name_subquery()).select_related("household")
        .order_by("household__number", "pk")
    )


def notice_kind(cases: list[Case]) -> str:
    """Identification, elimination or both, from the procedures the chosen cases are in."""
    kinds = {p.kind for case in cases for p in case.procedures.all() if p.status == ProcedureStatus.OPEN}
    if len(kinds) > 1:
        return NoticeKind.BOTH
    return next(iter(kinds), NoticeKind.IDENTIFICATION)


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = Notice.objects.restrict(request.user, "view").annotate(case_count=Count("cases")).order_by(
        "-starts_on", "-id")
    paginator = Paginator(notices, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    villages = dict(Region.objects.filter(code__in={n.region_code for n in page.object_list}).values_list(
        "code", "name"))
    rows = [{"notice": n, "village": villages.get(n.region_code, n.region_code)} for n in page.object_list]
    return render(request, "cases/notice_list.html", {
        "page": page, "paginator": paginator, "rows": rows,
        "can_post": can(request.user, "cases.post_notice"),
        "today": today_date(),
    })


@login_required
@requires("cases.post_notice")
@require_http_methods(["GET", "HEAD", "POST"])
def notice_create(request: HttpRequest) -> HttpResponse:
    """Post a notice for one village: the cases at their notice step, the period, the contact."""
    villages = scope_villages(request.user)
    codes = {v.code for v in villages}
    village_code = request.POST.get("village") or request.GET.get("village") or ""
    if village_code not in codes:
        village_code = villages[0].code if len(villages) == 1 else ""
    if not village_code:
        return render(request, "cases/notice_choose_village.html", {"villages": labelled_villages(villages)})
    village = next(v for v in villages if v.code == village_code)
    min_days = ProcedureSettings.for_region(village_code).notice_min_days
    eligible = cases_at_notice(request.user, village_code)
    form = NoticeForm(request.POST or None, cases=eligible, min_days=min_days, today=today_date())
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            chosen = list(cases_with_steps(
                Case.objects.filter(pk__in=[c.pk for c in form.cleaned_data["cases"]])))
            try:
                notice = create_notice(
                    request.user, village_code, chosen, starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"], contact=form.cleaned_data["contact"],
                    kind=notice_kind(chosen), late_reason=form.cleaned_data["late_reason"],
                )
            except LateReasonRequired as exc:
                form.add_error("late_reason", exc.reason)
                status = exc.status_code
            except ActionRefused as exc:
                form.add_error(None, exc.reason)
                status = exc.status_code
            else:
                messages.success(request, _(
                    "The notice was posted. Print it for the village board; complete the notice step after it ends."))
                return redirect("cases:notice_detail", pk=notice.pk)
        else:
            for error in form.non_field_errors():
                messages.error(request, error)
            for error in form.errors.get("ends_on", []):
                messages.error(request, error)
    return render(request, "cases/notice_form.html", {
        "form": form, "village": village, "min_days": min_days, "eligible_count": eligible.count(),
        "villages": villages,
    }, status=status)


def _notice(request: HttpRequest, pk: int) -> Notice:
    return get_object_or_404(Notice.objects.restrict(request.user, "view"), pk=pk)


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable notice (A4 when printed) and, for staff, the cases it lists."""
    notice = _notice(request, pk)
    cases = list(Case.objects.restrict(request.user, "view").filter(notices=notice).select_related("household")
                 .order_by("household__number"))
    return render(request, "cases/notice_detail.html", {
        "notice": notice, "content": notice_content(notice), "cases": cases, "today": today_date(),
    })


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def notice_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice as a Word document; the download is logged like any export of names."""
    notice = _notice(request, pk)
    body = build_docx(notice)
    record_access("export", object_type="cases.notice", object_id=notice.pk, object_repr=str(notice),
                  region_code=notice.region_code, fields="head_name,group,category",
                  detail={"format": "docx", "cases": notice.cases.count()})
    response = HttpResponse(body, content_type=DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, docx_filename(notice))
    return response
