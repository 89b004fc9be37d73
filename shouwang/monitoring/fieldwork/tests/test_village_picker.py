"""The campaign form's region picker names each village with its township."""

from __future__ import annotations

from conftest import TOWNSHIP_A, VILLAGE_A1
from shouwang.monitoring.fieldwork.forms import CampaignForm
from shouwang.regions.models import Region


def test_a_village_reads_township_and_village(personas):
    township, village = (Region.objects.get(code=code).name for code in (TOWNSHIP_A, VILLAGE_A1))
    for user in ("erin", "frank"):
        labels = dict(CampaignForm(user=personas[user]).fields["region"].choices)
        assert labels[VILLAGE_A1].endswith(f"{township} · {village}"), user
