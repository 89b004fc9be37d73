"""The rule list's one filter, ``/api/rules/`` (the rule pages list every rule unfiltered).

``active`` (``true``/``false``), ``risk_type`` and ``severity``.
"""

from __future__ import annotations

from shouwang.core.filters import ListFilter

from .models import Rule


class RuleFilter(ListFilter):
    class Meta:
        model = Rule
        fields = ["active", "risk_type", "severity"]
