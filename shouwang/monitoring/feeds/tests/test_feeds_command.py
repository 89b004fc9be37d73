"""``manage.py import_feed`` and ``manage.py feed_alias``."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import VILLAGE_A1
from shouwang.monitoring.feeds.tests.feed_files import Number, member_id, unknown_id, write_feed_xlsx
from shouwang.monitoring.models import FeedBatch, FeedColumnAlias, FeedSignal
from shouwang.monitoring.tests.factories import household
from shouwang.registry.models import Member

pytestmark = pytest.mark.django_db
HEADERS = ["身份证号", "就诊日期", "个人自付"]


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_feed", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def feed_file(regions, tmp_path):
    h = household(VILLAGE_A1, year=2024)
    number = member_id(Member.objects.filter(household=h).first())
    rows = [[number, "2024-03-05", "100"], [unknown_id(3), "2024-03-06", "50"],
            [Number(433122199001011234), "2024-03-07", "1"]]
    return write_feed_xlsx(tmp_path / "医保.xlsx", HEADERS, rows, title="医保数据")


def test_json_has_the_registry_summary_shape_plus_unmatched(feed_file):
    data = json.loads(run("--type", "medical", str(feed_file), "--json"))
    assert set(data) == {"total", "accepted", "rejected", "created", "updated", "unchanged", "warnings", "errors",
                         "warning_details", "committed", "batch", "details", "unmatched"}
    assert (data["total"], data["accepted"], data["rejected"], data["created"]) == (3, 2, 1, 2)
    assert data["committed"] and data["batch"] == str(FeedBatch.objects.get().pk)
    assert [u["row"] for u in data["unmatched"]] == [4]
    assert data["errors"][0]["row"] == 5 and data["errors"][0]["code"] == "numeric_cell"
    assert data["details"]["matched"] == 1 and data["details"]["unmatched"] == 1


def test_dry_run_writes_nothing(feed_file):
    data = json.loads(run("--type", "medical", str(feed_file), "--dry-run", "--json"))
    assert data["created"] == 2 and not data["committed"]
    assert not FeedSignal.objects.exists() and not FeedBatch.objects.exists()


def test_second_run_reports_nothing_new(feed_file):
    run("--type", "medical", str(feed_file))
    out = run("--type", "medical", str(feed_file))
    assert "Nothing new" in out and FeedBatch.objects.count() == 1


def test_an_unreadable_file_still_exits_zero_with_a_file_error(regions, tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a workbook at all")
    data = json.loads(run("--type", "medical", str(bad), "--json"))
    assert data["total"] == 0 and data["errors"][0]["row"] is None and not data["committed"]


def test_plain_output_names_the_problems(feed_file):
    out = run("--type", "medical", str(feed_file))
    assert "Rows: 3, accepted: 2, rejected: 1" in out
    assert "format the column as text" in out and "kept as a lead" in out
    assert "Imported as feed batch" in out


def test_bad_arguments_are_command_errors(regions, tmp_path, personas):
    with pytest.raises(CommandError):
        run("--type", "medical", str(tmp_path / "missing.xlsx"))
    with pytest.raises(CommandError):
        run("--type", "medical", str(tmp_path), "--user", "nobody")
    path = write_feed_xlsx(tmp_path / "a.xlsx", HEADERS, [])
    with pytest.raises(CommandError):
        run("--type", "medical", str(path), "--user", "alice")  # a village cadre imports no feeds
    with pytest.raises(CommandError):
        run("--type", "nonsense", str(path))


def test_as_a_department_officer_the_batch_is_theirs(feed_file, personas):
    run("--type", "medical", str(feed_file), "--user", "ivan")
    batch = FeedBatch.objects.get()
    assert batch.user == personas["ivan"] and batch.region_code == "433122" and batch.channel == "command"


def test_feed_alias_adds_lists_and_removes_a_header(regions):
    out = io.StringIO()
    call_command("feed_alias", "--region", "433122", "--type", "medical", "--column", "amount", "--header", "自负额",
                 stdout=out)
    assert FeedColumnAlias.objects.filter(region_code="433122", column="amount", header="自负额").exists()
    out = io.StringIO()
    call_command("feed_alias", "--list", stdout=out)
    assert "自负额" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("feed_alias", "--region", "433122", "--type", "medical", "--column", "amount", "--header",
                     "结算日期")
    call_command("feed_alias", "--region", "433122", "--type", "medical", "--header", "自负额", "--remove",
                 stdout=io.StringIO())
    assert not FeedColumnAlias.objects.exists()
