"""Saving policies: validation, versions like screening rules, the county's scope, the starter catalogue."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from conftest import COUNTY, _user
from shouwang.core.models import ChangeLog
from shouwang.core.permissions import can, restrict
from shouwang.regions.models import Region

from ..eligibility import check
from ..models import Policy, PolicyVersion
from ..permissions import MANAGE_POLICY, VIEW_POLICY
from ..services import load_catalogue, save_policy

pytestmark = pytest.mark.django_db

OTHER_COUNTY = "433123"


@pytest.fixture
def other_county(regions):
    Region.objects.get_or_create(code=OTHER_COUNTY, defaults={"name": "凤凰县", "level": "county",
                                                              "parent_code": "4331"})
    return _user("olga", "county", OTHER_COUNTY)


def _new(**fields) -> Policy:
    values = {"region_code": COUNTY, "code": "OLD_AGE", "name_zh": "高龄补贴", "department": "民政局",
              "subject": "person", "expression": "age >= 80", "amount": Decimal("600")}
    return Policy(**(values | fields))


def test_versions_count_each_change_and_keep_a_copy(personas):
    erin = personas["erin"]
    policy = save_policy(_new(), erin)
    assert policy.version == 1
    policy.refresh_from_db()
    assert save_policy(policy, erin).version == 1  # nothing changed: no new version
    policy.amount = Decimal("600.00")
    assert save_policy(policy, erin).version == 1  # the same amount written otherwise
    policy.expression, policy.parameters = "age >= limit", {"limit": 90}
    save_policy(policy, personas["frank"])
    versions = list(PolicyVersion.objects.filter(policy=policy).order_by("version"))
    assert [(v.version, v.expression, v.parameters, v.changed_by.username) for v in versions] == [
        (1, "age >= 80", {}, "erin"), (2, "age >= limit", {"limit": 90}, "frank")]
    assert versions[1].data["amount"] == "600.00" and versions[1].data["subject"] == "person"
    changes = ChangeLog.objects.filter(object_type="revitalization.policy", object_id=str(policy.pk)).order_by("id")
    assert [c.action for c in changes] == ["create", "update"]


def test_validation_names_the_field(personas):
    erin = personas["erin"]
    with pytest.raises(ValidationError) as exc:
        save_policy(_new(expression="age >= "), erin)
    assert list(exc.value.message_dict) == ["expression"] and "Column" in exc.value.message_dict["expression"][0]
    with pytest.raises(ValidationError) as exc:
        save_policy(_new(subject="household"), erin)  # age is a person's fact
    assert "person" in exc.value.message_dict["expression"][0]
    with pytest.raises(ValidationError) as exc:
        save_policy(_new(parameters={"dibao": 1}), erin)
    assert list(exc.value.message_dict) == ["parameters"]
    with pytest.raises(ValidationError) as exc:
        save_policy(_new(code="old age"), erin)
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        save_policy(_new(region_code="433122102"), erin)  # a township's code
    assert "region_code" in exc.value.message_dict
    assert not Policy.objects.exists()
    save_policy(_new(), erin)
    with pytest.raises(ValidationError):
        save_policy(_new(name_zh="同代码"), erin)  # one code once per county
    assert Policy.objects.count() == 1


def test_only_the_counties_own_officers_manage(personas, other_county):
    policy = save_policy(_new(), personas["frank"])
    for name in ("alice", "carol", "grace", "heidi", "ivan"):  # village, township, leader, auditor, department
        assert not can(personas[name], MANAGE_POLICY.name, policy), name
        with pytest.raises(PermissionDenied):
            save_policy(policy, personas[name])
    assert not can(other_county, MANAGE_POLICY.name, policy)
    policy.name_zh = "改名"
    with pytest.raises(PermissionDenied):
        save_policy(policy, other_county)
    moved = Policy.objects.get(pk=policy.pk)
    moved.region_code = OTHER_COUNTY  # moving another county's policy into one's own county
    with pytest.raises(PermissionDenied):
        save_policy(moved, other_county)
    with pytest.raises(PermissionDenied):
        save_policy(_new(), other_county)  # a new policy in this county
    save_policy(_new(region_code=OTHER_COUNTY), other_county)  # its own county: yes
    assert Policy.objects.get(pk=policy.pk).name_zh == "高龄补贴"


def test_everyone_in_the_county_reads_its_policies_only(personas, other_county):
    mine = save_policy(_new(), personas["erin"])
    theirs = save_policy(_new(region_code=OTHER_COUNTY), other_county)
    for name in ("alice", "carol", "erin", "grace", "heidi", "ivan"):
        assert list(restrict(personas[name], Policy.objects.all(), VIEW_POLICY.name)) == [mine], name
    assert list(restrict(other_county, Policy.objects.all(), VIEW_POLICY.name)) == [theirs]


def test_starter_catalogue_loads_once_and_every_rule_is_valid(regions):
    counts = load_catalogue(COUNTY)
    assert counts["created"] >= 9 and counts["kept"] == 0
    policies = list(Policy.objects.filter(region_code=COUNTY))
    for p in policies:
        assert check(p.expression, p.parameters, p.subject) == [], p.code
        assert p.version == 1 and p.source and p.department, p.code
        assert p.measure_type is not None, p.code
        assert p.amount is None or not p.amount_verified or p.legal_basis, p.code
    codes = {p.code for p in policies}
    assert {"YULU_PLAN", "MICROCREDIT", "MEDICAL_PREMIUM", "PUBLIC_WELFARE_JOB", "MIGRANT_TRAVEL", "DIBAO", "TEKUN",
            "DISABILITY_LIVING", "DISABILITY_CARE", "EDU_COMPULSORY"} <= codes
    assert Policy.objects.get(code="YULU_PLAN").amount_verified is False
    Policy.objects.filter(code="YULU_PLAN").update(amount=Decimal("3500"))  # the county's edit is kept
    out = StringIO()
    call_command("load_policies", "--county", COUNTY, stdout=out)
    assert "0 created" in out.getvalue()
    assert Policy.objects.get(code="YULU_PLAN").amount == Decimal("3500")
    assert PolicyVersion.objects.count() == len(policies)


def test_load_policies_refuses_an_unknown_county(regions):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("load_policies", "--county", "999999", stdout=StringIO())
    assert not Policy.objects.exists()


def test_demo_populate(regions):
    from ..demo import populate

    assert populate(COUNTY, 2024, 1)["policies"] == Policy.objects.count() > 0
    assert populate(COUNTY, 2024, 1) == {"policies": 0}
