"""Export files at rest: 0600 in a 0700 folder, unmasked ones watermarked and kept a day, every
download in the access log."""

from __future__ import annotations

import csv
import io
import os
import time
import zipfile

import pytest
from django.urls import reverse

from conftest import TOWNSHIP_A, VILLAGE_A1, VILLAGE_B1
from shouwang.core.models import AccessLog
from shouwang.registry.tests.factories import make_household
from shouwang.supervision.exports import services as exports
from shouwang.supervision.exports.files import discard_export


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.SHOUWANG_EXPORT_ROOT = tmp_path / "exports"
    return settings.SHOUWANG_EXPORT_ROOT


@pytest.fixture
def two_villages(personas):
    return [make_household(VILLAGE_A1, "A1-0001"), make_household(VILLAGE_B1, "B1-0001")]


def mode(path) -> int:
    return os.stat(path).st_mode & 0o777


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_files_are_private(personas, two_villages, export_root, fmt):
    old = os.umask(0o022)
    try:
        job = exports.start_export(personas["erin"], "households", {}, fmt=fmt)
    finally:
        os.umask(old)
    assert mode(exports.export_path(job)) == 0o600
    assert mode(export_root) == 0o700


def test_unmasked_xlsx_carries_the_watermark_in_the_sheet_header_and_properties(personas, two_villages):
    job = exports.start_export(personas["erin"], "households", {}, fmt="xlsx", reason="核实低保")
    with zipfile.ZipFile(exports.export_path(job)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        props = archive.read("docProps/core.xml").decode() + archive.read("docProps/custom.xml").decode()
    for text in (sheet, props):
        assert "erin" in text and "核实低保" in text
    assert "<oddHeader>" in sheet and "<oddFooter>" in sheet
    strings = zipfile.ZipFile(exports.export_path(job)).read("xl/sharedStrings.xml").decode() \
        if "xl/sharedStrings.xml" in zipfile.ZipFile(exports.export_path(job)).namelist() else sheet
    assert "核实低保" in strings  # the visible line


def test_unmasked_csv_ends_with_the_watermark_and_masked_has_none(personas, two_villages):
    clear = exports.start_export(personas["erin"], "households", {}, fmt="csv", reason="核实低保")
    rows = list(csv.reader(io.StringIO(exports.export_path(clear).read_bytes().decode("utf-8-sig"))))
    assert rows[0][0] == "户编号"  # the header stays the first line
    assert "erin" in rows[-1][0] and "核实低保" in rows[-1][0]
    masked = exports.start_export(personas["erin"], "households", {}, fmt="csv")
    text = exports.export_path(masked).read_bytes().decode("utf-8-sig")
    assert "erin" not in text


def test_every_download_and_redownload_is_logged(client, personas, two_villages):
    client.force_login(personas["carol"])
    url = reverse("supervision:export_start", args=["households"]) + f"?township={TOWNSHIP_A}"
    response = client.post(url, {"format": "csv"})
    assert response.status_code == 200
    job = exports.user_export_jobs(personas["carol"]).get()
    for _ in range(2):
        again = client.get(reverse("supervision:export_download", args=[job.pk]))
        assert again.status_code == 200
        b"".join(again.streaming_content)
    logs = AccessLog.objects.filter(action="download", object_id=str(job.pk))
    assert logs.count() == 3 and {log.username for log in logs} == {"carol"}
    assert client.head(reverse("supervision:export_download", args=[job.pk])).status_code == 200
    assert logs.count() == 3  # a HEAD downloads nothing


def test_unmasked_files_go_after_a_day_masked_after_the_keep_days(personas, two_villages, settings):
    clear = exports.start_export(personas["erin"], "households", {}, fmt="csv", reason="核实")
    masked = exports.start_export(personas["erin"], "households", {}, fmt="csv")
    two_days_ago = time.time() - 2 * 86400
    for job in (clear, masked):
        os.utime(exports.export_path(job), (two_days_ago, two_days_ago))
    assert exports.sweep_old_files() == 1
    assert not exports.export_path(clear).exists() and exports.export_path(masked).exists()
    eight_days_ago = time.time() - 8 * 86400
    os.utime(exports.export_path(masked), (eight_days_ago, eight_days_ago))
    assert exports.sweep_old_files() == 1 and not exports.export_path(masked).exists()


def test_an_abandoned_export_leaves_no_half_written_file(personas, two_villages):
    job = exports.start_export(personas["erin"], "households", {}, fmt="csv")
    path = exports.export_path(job)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(b"half")
    discard_export(job)
    assert not path.exists() and not partial.exists()
