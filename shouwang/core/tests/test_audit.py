"""The change log of registry objects and the tamper evidence of both hash chains."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.core.anchors import verify_chain
from shouwang.core.audit import acting_as, record_access
from shouwang.core.models import AccessLog, ChainHead, ChangeLog
from shouwang.registry.households.audit import snapshot, suppress_change_log
from shouwang.registry.models import Household, HouseholdYear
from shouwang.registry.tests.factories import make_household


@pytest.fixture
def household(regions):
    return make_household(VILLAGE_A1, members=2)


def test_member_save_logs_masked_snapshot_without_plaintext_or_ciphertext(household):
    member = household.members.order_by("id").first()
    entry = ChangeLog.objects.get(object_type="registry.member", object_id=str(member.pk))
    assert entry.action == "create" and entry.region_code == VILLAGE_A1
    assert entry.after["id_masked"] == member.id_masked and entry.after["phone_masked"] == member.phone_masked
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM registry_member WHERE id = %s", [member.pk])
        cipher_id, cipher_phone = cursor.fetchone()
    for row in ChangeLog.objects.all():
        text = json.dumps([row.before, row.after], ensure_ascii=False)
        for secret in (member.id_number, member.phone, cipher_id, cipher_phone, member.id_index):
            assert secret not in text
        assert "id_number" not in text and '"phone"' not in text and "id_index" not in text


def test_every_registry_model_is_logged_on_create(household):
    types = set(ChangeLog.objects.values_list("object_type", flat=True))
    assert types == {"registry.household", "registry.member", "registry.householdyear"}
    assert ChangeLog.objects.filter(action="create").count() == 1 + 2 + 1


def test_update_logs_before_and_after_and_a_no_op_save_logs_nothing(household):
    member = household.members.order_by("id").first()
    old_name = member.name
    member.name = "改名"
    member.save()
    entry = ChangeLog.objects.filter(action="update").get()
    assert entry.before["name"] == old_name and entry.after["name"] == "改名"
    assert entry.before["id_masked"] == entry.after["id_masked"]
    member.save()
    assert ChangeLog.objects.filter(action="update").count() == 1


def test_income_change_is_logged_with_amounts_as_text(household):
    year = household.years.get()
    year.wage_income = "12345.60"
    year.save()
    entry = ChangeLog.objects.get(action="update", object_type="registry.householdyear")
    assert entry.after["wage_income"] == "12345.60"
    assert "per_capita_net_income" not in entry.after  # computed by the database, not logged


def test_delete_logs_the_household_and_its_cascade(household):
    pk = household.pk
    household.delete()
    deleted = ChangeLog.objects.filter(action="delete")
    assert set(deleted.values_list("object_type", flat=True)) == {
        "registry.household",
        "registry.member",
        "registry.householdyear",
    }
    assert deleted.get(object_type="registry.household").object_id == str(pk)
    assert deleted.count() == 4


def test_change_log_records_who_and_from_where(regions, personas):
    with acting_as(personas["carol"], source="POST /registry/households/"):
        make_household(VILLAGE_A1)
    entry = ChangeLog.objects.filter(object_type="registry.household").get()
    assert entry.username == "carol" and entry.user_id == personas["carol"].pk
    assert entry.source == "POST /registry/households/" and len(entry.request_id) == 32


def test_log_entries_read_as_when_who_what(regions, personas):
    with acting_as(personas["carol"], source="POST /registry/households/"):
        household = make_household(VILLAGE_A1)
    record_access("unmask", user=personas["erin"], object_type="household", object_id=household.pk,
                  object_repr="H0007")
    change = ChangeLog.objects.filter(object_type="registry.household").get()
    when = f"{timezone.localtime(change.time):%Y-%m-%d %H:%M}"
    assert str(change) == f"{when} carol create registry.household {change.object_repr or household.pk}"
    access = AccessLog.objects.get()
    assert str(access) == f"{timezone.localtime(access.time):%Y-%m-%d %H:%M} erin unmask household H0007"
    head = ChainHead.objects.get(name="accesslog")
    assert str(head) == f"accesslog {access.hash[:12]}"


def test_suppressed_bulk_work_logs_nothing(regions):
    with suppress_change_log():
        make_household(VILLAGE_B1)
        Household.objects.all().delete()
    assert not ChangeLog.objects.exists()


def test_snapshot_is_json_ready_and_masked(household):
    data = snapshot(household.members.first())
    json.dumps(data)
    assert {"id_masked", "phone_masked", "household_id", "region_code"} <= set(data)
    assert not {"id_number", "phone", "id_index"} & set(data)
    assert set(snapshot(HouseholdYear.objects.first())) >= {"year", "wage_income", "household_id"}


# Tamper evidence -------------------------------------------------------------------------------


@pytest.fixture
def chain(regions):
    for village in (VILLAGE_A1, VILLAGE_A1, VILLAGE_B1):
        make_household(village, members=1, year=None)
    ids = list(ChangeLog.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 6 and verify_chain(ChangeLog) == (6, [])
    return ids


def test_editing_after_is_detected(chain):
    middle = chain[2]
    ChangeLog.objects.filter(id=middle).update(after={"name": "forged"})
    assert verify_chain(ChangeLog)[1] == [middle]


def test_editing_before_is_detected(chain):
    ChangeLog.objects.filter(id=chain[1]).update(before={"name": "forged"})
    assert verify_chain(ChangeLog)[1] == [chain[1]]


def test_editing_who_is_detected(chain):
    ChangeLog.objects.filter(id=chain[0]).update(username="someone-else")
    assert chain[0] in verify_chain(ChangeLog)[1]


def test_deleting_a_middle_row_is_detected(chain):
    ChangeLog.objects.filter(id=chain[3]).delete()
    checked, broken = verify_chain(ChangeLog)
    assert checked == 5 and broken == [chain[4]]


def test_deleting_the_last_row_is_detected(chain):
    ChangeLog.objects.filter(id=chain[-1]).delete()
    checked, broken = verify_chain(ChangeLog)
    assert checked == 5 and broken == [-1]


def test_access_log_chain_detects_tampering(personas):
    for reason in ("a", "b", "c"):
        record_access("unmask", user=personas["erin"], object_type="household", object_id=1, reason=reason)
    ids = list(AccessLog.objects.order_by("id").values_list("id", flat=True))
    assert verify_chain(AccessLog) == (3, [])
    AccessLog.objects.filter(id=ids[1]).update(reason="innocent")
    assert verify_chain(AccessLog)[1] == [ids[1]]


def test_verify_audit_command_exit_status(chain):
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "6" in out.getvalue()
    ChangeLog.objects.filter(id=chain[2]).update(after={})
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit", stdout=out)
    assert exc.value.returncode == 1
    assert str(chain[2]) in out.getvalue()
