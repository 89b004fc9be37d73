"""The revitalization part's start page: its features, as far as the user may open them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shouwang.core.permissions import can

from .sections import SECTIONS


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Every signed-in user has this page (it holds no data): each section shows only to whom its
    action is allowed, and the section's own page decides again."""
    sections = [section for section in SECTIONS if can(request.user, section.action)]
    return render(request, "revitalization/overview/index.html", {"sections": sections})
