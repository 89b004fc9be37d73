"""Dispatch pages: the inbox, the tasks sent, a new task, one task with who has answered.

Thin views over :mod:`.services`; who may send, close and answer is declared in
:mod:`.permissions`. A task the user neither sent (nor was sent inside their region) nor received
answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.permissions import can, requires, restrict

from . import services as service
from .filters import RecipientFilter
from .forms import TaskForm
from .models import DispatchRecipient, RecipientStatus


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def dispatch_index(request: HttpRequest) -> HttpResponse:
    """The inbox of the user's own region, the tasks sent in their region, and screening campaigns."""
    return render(request, "supervision/dispatch_index.html", {
        "inbox": list(service.inbox(request.user)[:100]),
        "issued": list(service.issued_tasks(request.user)[:100]),
        "campaigns": service.campaigns_with_progress(request.user),
        "can_issue": can(request.user, "supervision.issue_dispatch"),
        "today": service.today(),
    })


@login_required
@requires("supervision.issue_dispatch")
@require_http_methods(["GET", "HEAD", "POST"])
def dispatch_new(request: HttpRequest) -> HttpResponse:
    form = TaskForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            targets = service.resolve_targets(request.user, data["mode"], data["targets"], data["township"])
            task = service.issue_task(
                request.user, title=data["title"], body=data["body"], kind=data["kind"], deadline=data["deadline"],
                targets=targets, attachment=data.get("attachment"),
            )
        except service.DispatchInvalid as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Sent to %(n)d regions.") % {"n": len(targets)})
            return redirect("supervision:dispatch_detail", pk=task.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "supervision/dispatch_form.html", {"form": form}, status=status)


def _task(request: HttpRequest, pk: int):
    task = service.visible_task(request.user, pk)
    if task is None:
        raise Http404
    return task


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def dispatch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    issuer_side = service.is_issuer_side(request.user, task)
    answers = RecipientFilter.for_page({"task": str(task.pk)}, service.recipients_for(request.user),
                                       request.user)
    recipients = answers.rows().order_by("region_code")
    if not issuer_side:
        recipients = restrict(request.user, recipients, "supervision.read_dispatch_inbox")  # the user's own
    rows = [
        {"recipient": r, "can_answer": can(request.user, "supervision.answer_dispatch", r)}
        for r in recipients
    ]
    summary = {
        "total": len(rows),
        "acknowledged": sum(1 for r in rows if r["recipient"].status != RecipientStatus.PENDING),
        "done": sum(1 for r in rows if r["recipient"].status == RecipientStatus.DONE),
        "overdue": sum(1 for r in rows if r["recipient"].is_overdue),
    }
    return render(request, "supervision/dispatch_detail.html", {
        "task": task, "rows": rows, "issuer_side": issuer_side, "summary": summary,
        "can_close": can(request.user, "supervision.close_dispatch", task) and task.closed_at is None,
    })


@login_required
@requires("view")
@require_http_methods(["GET", "HEAD"])
def dispatch_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    if not task.attachment:
        raise Http404
    response = FileResponse(task.attachment.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, task.attachment_name or "attachment")
    return response


def _recipient(request: HttpRequest, pk: int) -> DispatchRecipient:
    return get_object_or_404(service.recipients_for(request.user), pk=pk)


@login_required
@requires("supervision.answer_dispatch")
@require_POST
def dispatch_answer(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Acknowledge or complete one recipient row; a refusal comes back as a message (403/409/400)."""
    recipient = _recipient(request, pk)
    try:
        if action == "acknowledge":
            service.acknowledge(recipient, request.user)
            messages.success(request, _("Acknowledged."))
        elif action == "complete":
            service.complete(recipient, request.user, request.POST.get("note", ""))
            messages.success(request, _("Reported done."))
        else:
            raise Http404
    except PermissionDenied as exc:
        return _refused(request, recipient, str(exc), 403)
    except service.DispatchNotAllowed as exc:
        return _refused(request, recipient, str(exc), 409)
    except service.DispatchInvalid as exc:
        return _refused(request, recipient, str(exc), 400)
    return redirect("supervision:dispatch_detail", pk=recipient.task_id)


def _refused(request: HttpRequest, recipient: DispatchRecipient, reason: str, status: int) -> HttpResponse:
    return render(request, "supervision/dispatch_refused.html", {"recipient": recipient, "reason": reason},
                  status=status)


@login_required
@requires("supervision.close_dispatch")
@require_POST
def dispatch_close(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    try:
        service.close_task(task, request.user)
    except PermissionDenied as exc:
        return render(request, "supervision/dispatch_refused.html", {"task": task, "reason": str(exc)}, status=403)
    except service.DispatchNotAllowed as exc:
        return render(request, "supervision/dispatch_refused.html", {"task": task, "reason": str(exc)}, status=409)
    messages.success(request, _("The task is closed."))
    return redirect("supervision:dispatch_detail", pk=task.pk)
