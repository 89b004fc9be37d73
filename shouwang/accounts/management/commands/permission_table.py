"""``manage.py permission_table``: who may do what, as the Markdown table the README shows.

One row per declared action (``shouwang.core.permissions.table()``), one column per role with ✓
where the role may do it, and where: the region levels the user must work at, how the object's
region must relate to the user's, and any further condition. ``--readme`` writes the table into
README.md between its markers; a test keeps the README's copy equal to this output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from shouwang.accounts.models import Role
from shouwang.core.permissions import Permission, Scope, table
from shouwang.core.regioncodes import LEVEL_ORDER

README_START = "<!-- permission table: written by `manage.py permission_table --readme` -->"
README_END = "<!-- end of permission table -->"

# The README's language; ``--language`` prints the labels in another.
DEFAULT_LANGUAGE = "en"

SCOPE_TEXT = {
    Scope.WITHIN: "in the user's region",
    Scope.ON_PATH: "in the user's region or above it",
    Scope.OWN: "the user's own region only",
}


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _where(permission: Permission) -> str:
    parts = []
    if permission.levels:
        order = {level: i for i, level in enumerate(LEVEL_ORDER)}
        levels = sorted(permission.levels, key=lambda level: (order.get(level, len(order)), level))
        parts.append("users at " + _either(levels[::-1]) + " level")
    parts.append(SCOPE_TEXT[permission.scope])
    if permission.condition is not None:
        parts.append(_cell(permission.condition_label) or "and a further condition")
    return "; ".join(parts)


def render_table(language: str = DEFAULT_LANGUAGE) -> str:
    """The role × action table as Markdown, the labels in ``language``."""
    roles = list(Role)
    with translation.override(language):
        lines = [
            "| action | what it allows | " + " | ".join(str(role.value) for role in roles) + " | where |",
            "|---|---|" + ":-:|" * len(roles) + "---|",
        ]
        for permission in table():
            marks = ["✓" if role.value in permission.roles else "" for role in roles]
            lines.append(f"| `{permission.name}` | {_cell(permission.label)} | " + " | ".join(marks)
                         + f" | {_where(permission)} |")
    return "\n".join(lines) + "\n"


def replace_in_readme(text: str, rendered: str) -> str:
    """``text`` (the README) with the table between its markers replaced by ``rendered``."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise CommandError(f"README.md has no {README_START!r} … {README_END!r} markers.")
    return text[: start + len(README_START)] + "\n\n" + rendered + "\n" + text[end:]


def readme_table(text: str) -> str:
    """The table between the README's markers, as :func:`render_table` writes it."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return ""
    return text[start + len(README_START): end].strip("\n") + "\n"


class Command(BaseCommand):
    help = "Prints the permission table (role × action) as Markdown; --readme writes it into README.md."
    requires_system_checks: list[str] = []  # it reads the declarations only

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--language", default=DEFAULT_LANGUAGE,
                            help=f"language of the labels (default {DEFAULT_LANGUAGE}, the README's)")
        parser.add_argument("--readme", action="store_true",
                            help="replace the table in README.md (between its markers) instead of printing")

    def handle(self, *args: Any, **options: Any) -> None:
        rendered = render_table(options["language"])
        if not options["readme"]:
            self.stdout.write(rendered, ending="")
            return
        path = Path(settings.BASE_DIR) / "README.md"
        path.write_text(replace_in_readme(path.read_text(encoding="utf-8"), rendered), encoding="utf-8")
        self.stdout.write(f"Wrote the permission table ({len(table())} actions) into {path}.")
