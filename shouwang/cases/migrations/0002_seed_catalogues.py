"""Seed the risk-type and measure-type catalogues (policy.md §4.1, §4.2)."""

from __future__ import annotations

from django.db import migrations


def seed(apps, schema_editor):
    from shouwang.cases.catalogue.seed import seed_catalogues

    seed_catalogues(apps.get_model("cases", "RiskType"), apps.get_model("cases", "MeasureType"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
