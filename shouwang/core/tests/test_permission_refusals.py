"""How a refusal reads, and views that answer by scope: ``refusal``, ``requires(answers_by_scope=…)``
and ``DeclaredAction`` with ``answers_by_scope``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.core import permissions
from shouwang.core.permissions import DeclaredAction, declare, require, requires

pytestmark = pytest.mark.django_db

ACTION = "test.refusals_act"
SILENT = "test.refusals_silent"


@pytest.fixture(autouse=True)
def actions():
    """Two throw-away actions for village cadres: one with a refusal sentence, one without."""
    declare(ACTION, label=ACTION, roles=("village",), refusal="Only village cadres may do this.")
    declare(SILENT, label=SILENT, roles=("village",))
    yield
    for name in (ACTION, SILENT):
        permissions._TABLE.pop(name, None)


def test_require_says_the_declared_refusal_unless_told_otherwise(personas):
    with pytest.raises(PermissionDenied, match="Only village cadres may do this."):
        require(personas["erin"], ACTION)
    with pytest.raises(PermissionDenied, match="Not in your village."):
        require(personas["alice"], ACTION, VILLAGE_B1, message="Not in your village.")
    with pytest.raises(PermissionDenied) as refused:
        require(personas["erin"], SILENT)
    assert str(refused.value) == ""
    require(personas["alice"], ACTION, VILLAGE_A1)  # allowed: nothing raised


def _page(request):
    return HttpResponse("shown")


def test_a_page_refuses_up_front_unless_it_answers_by_scope(personas):
    request = RequestFactory().get("/")
    request.user = personas["erin"]
    refusing, by_scope = requires(ACTION)(_page), requires(ACTION, answers_by_scope=True)(_page)
    assert (refusing.required_action, refusing.answers_by_scope) == (ACTION, False)
    assert (by_scope.required_action, by_scope.answers_by_scope) == (ACTION, True)
    with pytest.raises(PermissionDenied):
        refusing(request)
    assert by_scope(request).content == b"shown"  # its querysets (restrict) show erin nothing
    request.user = personas["alice"]
    assert refusing(request).content == b"shown"


def _ask(user, method: str, *, detail: bool, by_scope: bool) -> tuple[bool, str | None]:
    request = SimpleNamespace(user=user, method=method)
    view = SimpleNamespace(required_action=ACTION, detail=detail, answers_by_scope=by_scope, action=None)
    check = DeclaredAction()
    return check.has_permission(request, view), getattr(check, "message", None)


def test_the_api_refuses_with_the_declared_sentence(personas):
    assert _ask(personas["alice"], "POST", detail=False, by_scope=False) == (True, None)
    refused = (False, "Only village cadres may do this.")
    assert _ask(personas["erin"], "GET", detail=False, by_scope=False) == refused


def test_an_api_view_that_answers_by_scope_leaves_reads_and_lookups_to_its_queryset(personas):
    erin = personas["erin"]
    assert _ask(erin, "GET", detail=False, by_scope=True)[0]  # an empty list
    assert _ask(erin, "POST", detail=True, by_scope=True)[0]  # 404, or the object's refusal
    assert not _ask(erin, "POST", detail=False, by_scope=True)[0]  # a create is refused at once
    view = SimpleNamespace(required_action=ACTION, action=None)
    request = SimpleNamespace(user=personas["alice"], method="POST")
    check = DeclaredAction()
    assert check.has_object_permission(request, view, SimpleNamespace(region_code=VILLAGE_A1))
    assert not check.has_object_permission(request, view, SimpleNamespace(region_code=VILLAGE_B1))
    assert check.message == "Only village cadres may do this."


def test_a_view_without_a_declared_action_is_refused(personas):
    view = SimpleNamespace(action="list")
    assert not DeclaredAction().has_permission(SimpleNamespace(user=personas["alice"], method="GET"), view)
