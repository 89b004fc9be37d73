"""The department feeds read uploads through the engine the registry uses: the malicious corpus of
shouwang.testing.malicious (see registry/imports/tests/test_malicious_uploads.py) is refused with
the same file-level messages."""

from __future__ import annotations

import pytest
from django.test import override_settings

from shouwang.monitoring.feeds.services import import_feed
from shouwang.testing import malicious

# the cases the registry refuses for its own rows, not for the file
ROW_LEVEL = {"numeric_cell", "duplicate_id_file", "no_rows", "missing_columns", "formula_text"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("malicious")
    return folder, malicious.build(folder)


@override_settings(SHOUWANG_UPLOAD_MAX_BYTES=2 << 20, SHOUWANG_IMPORT_MAX_CELLS=100_000)
def test_the_feed_import_refuses_the_same_files(corpus, regions):
    folder, cases = corpus
    file_level = [c for c in cases if c.refused and c.code not in ROW_LEVEL]
    for case in file_level:
        importer = import_feed("civil", folder / case.name, case.name, commit=True)
        codes = {issue.code for issue in importer.report.errors}
        assert case.code in codes, (case.name, codes)
