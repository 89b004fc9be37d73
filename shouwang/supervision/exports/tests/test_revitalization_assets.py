"""The asset ledgers' exports: one per class, the class's Chinese headers, the page's rows and scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from conftest import VILLAGE_A1, VILLAGE_B1
from shouwang.revitalization.assets import services
from shouwang.revitalization.assets.models import AssetClass
from shouwang.revitalization.assets.services import Distribution
from shouwang.revitalization.assets.tests.factories import make_asset

pytestmark = pytest.mark.django_db
D = Decimal


def test_ledger_export_has_the_class_headers_and_the_page_rows(list_rows, personas):
    from django.http import QueryDict

    from shouwang.supervision.exports.registry import get_export
    from shouwang.supervision.exports.revitalization_assets import COLUMNS

    asset = make_asset(VILLAGE_A1, AssetClass.OPERATING, number="OP-1", manager="合作社")
    make_asset(VILLAGE_A1, AssetClass.PUBLIC, number="PU-1")
    make_asset(VILLAGE_B1, AssetClass.OPERATING, number="OP-B")
    services.record_income(personas["alice"], asset, date.today().year,
                           Distribution(D("9000"), D("5000"), D("2000"), D("1000")),
                           households_reached=9, monitored_reached=2)
    carol = personas["carol"]
    assert list_rows.export(carol, "assets_operating", {}, column="资产编号") == ["OP-1"]
    assert list_rows.export(carol, "assets_public", {}, column="资产编号") == ["PU-1"]
    assert list_rows.export(carol, "assets_household", {}, column="资产编号") == []
    assert list_rows.export(personas["erin"], "assets_operating", {}, column="资产编号") == ["OP-1", "OP-B"]
    spec = get_export("assets_operating")
    assert list(spec.columns) == COLUMNS[AssetClass.OPERATING]
    (row,) = [spec.row(a, False) for a in spec.queryset_for(carol, QueryDict())]
    record = dict(zip(spec.columns, row, strict=True))
    shares = ("当年收益（元）", "分配给村集体（元）", "分配给农户（元）", "分配给监测对象（元）", "经营主体")
    assert [record[name] for name in shares] == [D("9000"), D("5000"), D("2000"), D("1000"), "合作社"]
