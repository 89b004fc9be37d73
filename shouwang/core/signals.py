"""Signals other parts listen to without the sender knowing them (dependencies run one way).

``data_changed`` is sent after a unit of work that changes what dashboards and indicators show:
a screening run, a registry or feed import commit, a warning or case transition. ``part`` names
the sender's part ("registry", "monitoring", "cases"); ``region_codes`` is the set of village
codes touched, or None when the whole scope may have changed. Work that recounts once at the end
(the demo's seeding) wraps itself in :func:`data_changed_muted`.

``households_changed`` is sent once a registry import or a department feed commit has committed:
``household_ids`` (the households whose data it wrote), ``year`` (the newest income year it wrote,
or None) and ``user`` (who committed, or None for the system). Monitoring screens those
households again (``monitoring.screening.tasks``), so nobody has to start a screening by hand.
Senders call :func:`announce_households_changed`; work that screens by itself afterwards (the
demo's seeding) wraps its commits in :func:`households_changed_muted`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.dispatch import Signal

data_changed = Signal()
households_changed = Signal()

_muted: ContextVar[bool] = ContextVar("households_changed_muted", default=False)
_data_muted: ContextVar[bool] = ContextVar("data_changed_muted", default=False)


@contextmanager
def data_changed_muted() -> Iterator[None]:
    """Receivers of ``data_changed`` ignore what is sent inside (for a caller that recounts once at
    the end, such as the demo's seeding)."""
    token = _data_muted.set(True)
    try:
        yield
    finally:
        _data_muted.reset(token)


def data_changed_is_muted() -> bool:
    return _data_muted.get()


@contextmanager
def households_changed_muted() -> Iterator[None]:
    """Commits made inside announce nothing (for a caller that screens everything afterwards)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def announce_households_changed(sender: Any, household_ids: Iterable[int], *, year: int | None = None,
                                user: Any = None) -> None:
    """Send ``households_changed`` once the current transaction commits (at once outside one)."""
    ids = sorted({int(pk) for pk in household_ids})
    if not ids or _muted.get():
        return
    transaction.on_commit(lambda: households_changed.send(sender=sender, household_ids=ids, year=year, user=user))
