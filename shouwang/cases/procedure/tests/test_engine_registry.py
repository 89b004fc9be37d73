"""What other features plug into the procedure engine: actions, step checks and step effects."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import VILLAGE_A1
from shouwang.cases.models import CaseStatus, ProcedureKind, StepCode, StepStatus
from shouwang.cases.procedure import engine
from shouwang.cases.procedure.refusals import NotAllowedNow
from shouwang.cases.tests.factories import make_case
from shouwang.registry.tests.factories import make_household

pytestmark = pytest.mark.django_db

TODAY = date(2024, 9, 2)


@pytest.fixture(autouse=True)
def own_registries(monkeypatch):
    """Each test registers into copies, so the features' own registrations are back afterwards."""
    monkeypatch.setattr(engine, "STEP_CHECKS", dict(engine.STEP_CHECKS))
    monkeypatch.setattr(engine, "STEP_EFFECTS", {key: list(value) for key, value in engine.STEP_EFFECTS.items()})


def identifying_case():
    return make_case(make_household(VILLAGE_A1), status=CaseStatus.IDENTIFYING, today=TODAY)


def test_only_a_declared_action_can_be_registered():
    with pytest.raises(ValueError, match="teleport"):
        engine.register_action("teleport", lambda ctx: None, lambda ctx: None)
    assert "teleport" not in engine.CHECKS and "teleport" not in engine.HANDLERS


def test_a_registered_step_check_refuses_the_step_and_explains_the_button(personas):
    case = identifying_case()
    engine.register_step_check(StepCode.COMPARE, lambda ctx: "The bank statement is missing.",
                               kind=ProcedureKind.IDENTIFICATION)
    carol = personas["carol"]  # the township officer of A: the comparison is hers
    offered = [a for a in engine.available_actions(carol, case, TODAY, explain=True) if a.step_code == "compare"]
    assert [a.blocked for a in offered] == ["The bank statement is missing."]
    with pytest.raises(NotAllowedNow, match="The bank statement is missing."):
        engine.perform(case, "complete_step", carol, data={"step": StepCode.COMPARE}, today=TODAY)
    assert case.procedures.get().steps.get(code=StepCode.COMPARE).status == StepStatus.OPEN


def test_a_step_check_for_any_kind_applies_to_every_procedure_and_none_means_no_problem(personas):
    case = identifying_case()
    seen = []
    engine.register_step_check(StepCode.COMPARE, lambda ctx: seen.append(ctx.procedure.kind))
    engine.perform(case, "complete_step", personas["carol"], data={"step": StepCode.COMPARE}, today=TODAY)
    assert seen == [ProcedureKind.IDENTIFICATION]
    assert case.procedures.get().steps.get(code=StepCode.COMPARE).status == StepStatus.DONE


def test_a_registered_step_effect_sets_the_case_and_is_recorded(personas):
    case = identifying_case()

    def green(ctx):
        return {"green_channel": True}

    engine.register_step_effect(ProcedureKind.IDENTIFICATION, StepCode.COMPARE, green)
    engine.register_step_effect(ProcedureKind.IDENTIFICATION, StepCode.COMPARE, green)  # once only
    assert engine.STEP_EFFECTS[(ProcedureKind.IDENTIFICATION, StepCode.COMPARE)] == [green]
    engine.perform(case, "complete_step", personas["carol"], data={"step": StepCode.COMPARE}, today=TODAY)
    case.refresh_from_db()
    assert case.green_channel is True
    assert case.transitions.get(step_code=StepCode.COMPARE).data == {"green_channel": True}
