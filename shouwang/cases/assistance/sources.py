"""Where the contact form's people come from: a register a higher part plugs in.

The cases part keeps no register of cadres; a part above it (the revitalization cadre register)
registers a :class:`ContactSource` when Django starts. The case's contact form then offers that
register's people of the case's village and township; a person picked fills the contact's name,
unit, position and phone on the server (nothing typed is trusted for them), and once the contact
is saved the source is told which person it is (``link``), so the register can count the
households each person holds. Without a source the form is the plain typed one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ContactPerson:
    """A register person as the contact form uses them."""

    key: str  # the source's own reference, opaque to cases
    label: str  # what the select shows ("name · unit · position")
    name: str
    unit: str = ""
    position: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ContactSource:
    """``people(user, case)``: the people offered; ``person(user, case, key)``: one of them or None;
    ``link(contact, key, user)``: called after the contact picked from the register is saved."""

    people: Callable[[Any, Any], list[ContactPerson]]
    person: Callable[[Any, Any, str], ContactPerson | None]
    link: Callable[[Any, str, Any], None]


_SOURCE: list[ContactSource] = []


def register_contact_source(source: ContactSource) -> None:
    """Plug in the register (one; a second registration replaces the first, e.g. on reload)."""
    _SOURCE[:] = [source]


def unregister_contact_source() -> None:
    _SOURCE.clear()


def contact_source() -> ContactSource | None:
    return _SOURCE[0] if _SOURCE else None
