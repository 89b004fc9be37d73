"""Every feature is plugged into the procedure engine and the case's page (``casework.wiring``)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from conftest import VILLAGE_A1
from shouwang.cases.casework.wiring import connect
from shouwang.cases.models import CaseStatus, ProcedureKind, StepCode
from shouwang.cases.procedure import casepage, engine
from shouwang.cases.procedure.declarations import ACTION_NAMES
from shouwang.cases.tests.factories import make_case
from shouwang.registry.tests.factories import make_household


def _registries():
    return (dict(engine.CHECKS), dict(engine.HANDLERS), dict(engine.EXPLAINS), dict(engine.STEP_CHECKS),
            {key: list(value) for key, value in engine.STEP_EFFECTS.items()}, dict(casepage.SECTIONS))


def test_every_declared_action_has_its_check_and_its_change():
    assert set(engine.CHECKS) == set(ACTION_NAMES)
    assert set(engine.HANDLERS) == set(ACTION_NAMES)
    assert set(engine.EXPLAINS) == {"start_elimination"}


def test_the_features_add_their_step_checks_effects_and_page_sections():
    assert set(engine.STEP_CHECKS) == {("", StepCode.NOTICE), (ProcedureKind.ELIMINATION, StepCode.COUNTY)}
    assert {key: len(effects) for key, effects in engine.STEP_EFFECTS.items()} == {
        (ProcedureKind.IDENTIFICATION, StepCode.FILE): 1,
    }
    assert set(casepage.SECTIONS) == {"criteria", "problems", "unmask_form", "risk_signals", "mechanism"}


def test_connecting_again_changes_nothing():
    before = _registries()
    connect()
    assert _registries() == before


@pytest.mark.django_db
def test_the_sections_reach_the_case_page_and_the_caller_has_the_last_word(personas):
    case = make_case(make_household(VILLAGE_A1), status=CaseStatus.MONITORED)
    request = RequestFactory().get("/")
    request.user = personas["alice"]
    context = casepage.case_context(request, case)
    assert {"criteria", "problems", "unmask_form", "risk_signals"} <= set(context)
    assert [c.label for c in context["criteria"]]  # a monitored case shows its elimination criteria
    assert context["unmask_form"] is None  # alice may not see full numbers
    assert casepage.case_context(request, case, problems=["given"])["problems"] == ["given"]
