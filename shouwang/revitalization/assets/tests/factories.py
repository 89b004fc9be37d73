"""Hand-made assets for the tests of the asset ledgers and the village pages."""

from __future__ import annotations

import itertools
from decimal import Decimal

from ..models import Asset, AssetClass

_seq = itertools.count(1)


def make_asset(region: str, asset_class: str = AssetClass.OPERATING, *, value: str = "100000", **fields) -> Asset:
    n = next(_seq)
    return Asset.objects.create(
        number=fields.pop("number", f"ZC{region[-6:]}{n:04d}"), name=fields.pop("name", f"资产{n}"),
        asset_class=asset_class, region_id=region, value=Decimal(value), owner=fields.pop("owner", "村股份经济合作社"),
        **fields,
    )
