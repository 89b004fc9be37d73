"""A township officer's task form names each village with its township."""

from __future__ import annotations

from conftest import TOWNSHIP_A, VILLAGE_A1
from shouwang.regions.models import Region
from shouwang.supervision.dispatch.forms import TaskForm


def test_the_villages_to_send_to_read_township_and_village(personas):
    labels = dict(TaskForm(user=personas["carol"]).fields["targets"].choices)
    township, village = (Region.objects.get(code=code).name for code in (TOWNSHIP_A, VILLAGE_A1))
    assert labels[VILLAGE_A1] == f"{township} · {village}"
