"""The rule list's one filter (the API's): active, risk type and severity, as before."""

from __future__ import annotations

from conftest import ListRows
from shouwang.monitoring.models import Rule


def test_the_rule_api_filters_by_active_risk_type_and_severity(client, personas):
    rows, erin = ListRows(client), personas["erin"]
    first = Rule.objects.order_by("code").first()
    Rule.objects.filter(pk=first.pk).update(active=False)

    def expected(**conditions) -> list[str]:
        return sorted(Rule.objects.filter(**conditions).values_list("code", flat=True))

    risk = Rule.objects.exclude(risk_type="").values_list("risk_type", flat=True).first()
    for params, conditions in (
        ({"active": "false"}, {"active": False}), ({"active": "true"}, {"active": True}),
        ({"severity": first.severity}, {"severity": first.severity}),
        ({"risk_type": risk}, {"risk_type": risk}),
    ):
        listed = rows.api(erin, "/api/rules/", params, key="code")
        assert listed == expected(**conditions) and listed, params
