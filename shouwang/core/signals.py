"""Signals other parts listen to without the sender knowing them (dependencies run one way).

``data_changed`` is sent after a unit of work that changes what dashboards and indicators show:
a screening run, a registry or feed import commit, a warning or case transition. ``part`` names
the sender's part ("registry", "monitoring", "cases"); ``region_codes`` is the set of village
codes touched, or None when the whole scope may have changed.
"""

from __future__ import annotations

from django.dispatch import Signal

data_changed = Signal()
