"""Choosing the village of a notice: each village named with its township."""

from __future__ import annotations

from django.urls import reverse

from conftest import TOWNSHIP_A, VILLAGE_A1, VILLAGE_A2
from shouwang.regions.models import Region


def test_the_village_choice_reads_township_and_village(client, personas):
    client.force_login(personas["carol"])
    body = client.get(reverse("cases:notice_create")).content.decode()
    township = Region.objects.get(code=TOWNSHIP_A).name
    for code in (VILLAGE_A1, VILLAGE_A2):
        assert f'<option value="{code}">{township} · {Region.objects.get(code=code).name}</option>' in body
