"""``manage.py permission_table``: the role × action table, and the README's copy of it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from shouwang.accounts.management.commands.permission_table import (
    README_END,
    README_START,
    readme_table,
    replace_in_readme,
)
from shouwang.accounts.models import Role
from shouwang.core.permissions import permission, table


def _output(*args: str) -> str:
    out = io.StringIO()
    call_command("permission_table", *args, stdout=out)
    return out.getvalue()


def _rows(text: str) -> dict[str, list[str]]:
    """action name → the table's cells of its row."""
    rows = {}
    for line in text.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        rows[cells[0].strip("`")] = cells
    return rows


def test_the_readme_shows_the_table_the_command_prints():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    assert readme_table(readme) == _output(), (
        "README.md's permission table is out of date: "
        "run `.venv/bin/python manage.py permission_table --readme`")


def test_one_row_per_declared_action_with_a_mark_for_each_allowed_role():
    rows = _rows(_output())
    assert list(rows) == [p.name for p in table()]
    header = [cell.strip() for cell in _output().splitlines()[0].strip().strip("|").split(" | ")]
    assert header[2:-1] == list(Role.values)
    for declared in table():
        marks = rows[declared.name][2:-1]
        assert [role for role, mark in zip(Role.values, marks, strict=True) if mark == "✓"] == [
            role for role in Role.values if role in declared.roles], declared.name


def test_levels_scope_and_condition_are_spelled_out():
    rows = _rows(_output())
    assert rows["audit"][1] == "Read the change and access logs"
    assert rows["audit"][-1] == "in the user's region"
    answer = rows["supervision.answer_dispatch"][-1]
    assert answer.startswith("users at village or township level; the user's own region only; ")
    assert rows["monitoring.view_line"][-1] == "in the user's region or above it"


def test_the_labels_follow_the_language():
    with translation.override("zh-hans"):
        label = str(permission("audit").label)
    assert f"| `audit` | {label} |" in _output("--language", "zh-hans")
    assert "| `audit` | Read the change and access logs |" in _output()


def test_replace_in_readme_swaps_only_the_marked_block():
    text = f"intro\n{README_START}\nold table\n{README_END}\nrest\n"
    replaced = replace_in_readme(text, "| new |\n")
    assert replaced == f"intro\n{README_START}\n\n| new |\n\n{README_END}\nrest\n"
    assert readme_table(replaced) == "| new |\n"
    with pytest.raises(CommandError):
        replace_in_readme("no markers", "| new |\n")
