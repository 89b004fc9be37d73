"""The asset ledgers (one per class) and the village profiles, registered for export.

Each ledger's export is the ledger page's rows: the same restricted queryset and the same filter
(``revitalization.assets.filters.AssetFilter`` with the page's class), all its pages. The headers
are those of the ledgers counties keep for 国办函〔2021〕51号 (经营性 / 公益性 / 到户类资产台账), with a
title row above them; the village profiles' export is the profile list's rows.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang.core.permissions import home_region
from shouwang.regions.models import Region
from shouwang.registry.households.queries import head_name
from shouwang.revitalization.assets import services as asset_service
from shouwang.revitalization.assets.filters import AssetFilter
from shouwang.revitalization.assets.models import Asset, AssetClass, AssetCondition
from shouwang.revitalization.villages import services as village_service
from shouwang.revitalization.villages.filters import VillageProfileFilter
from shouwang.revitalization.villages.models import VillageProfile

from .lists import township_name_subquery, yes_no
from .services import register_export

# Columns every ledger starts with, and the class-specific ones after them.
LEAD = ["资产编号", "资产名称", "所在乡镇", "所在村"]
ORIGIN = ["资产类型", "数量", "形成年度", "来源项目", "资产原值（元）", "所有权人"]
TAIL = ["移交日期", "最近检查日期", "检查结果", "资产状态", "备注"]
COLUMNS = {
    AssetClass.OPERATING: [*LEAD, *ORIGIN, "经营主体", "当年收益（元）", "分配给村集体（元）", "分配给农户（元）",
                           "分配给监测对象（元）", *TAIL],
    AssetClass.PUBLIC: [*LEAD, *ORIGIN, "管护主体", *TAIL],
    AssetClass.HOUSEHOLD: [*LEAD, "受益户编号", "户主姓名", *ORIGIN, *TAIL],
}
TITLES = {AssetClass.OPERATING: "经营性资产台账", AssetClass.PUBLIC: "公益性资产台账",
          AssetClass.HOUSEHOLD: "到户类资产台账"}


def _ledger_queryset(asset_class: str):
    def queryset_for(user, params: QueryDict):
        params = params.copy()
        params["asset_class"] = asset_class
        rows = AssetFilter.for_page(params, asset_service.visible_assets(user), user).rows()
        rows = asset_service.with_ledger_columns(rows).annotate(township_name=township_name_subquery())
        if asset_class == AssetClass.HOUSEHOLD:
            rows = rows.annotate(head_name=head_name("household_id"))
        return rows.order_by("region_code", "number")

    return queryset_for


def _region_name(a: Asset) -> str:
    return a.region.name if a.region.level == Region.Level.VILLAGE else ""


def _ledger_row(asset_class: str):
    def row(a: Asset) -> list[Any]:
        lead = [a.number, a.name, a.township_name or "", _region_name(a)]
        origin = [a.kind, a.quantity, a.formed_year or "", a.project.name if a.project else "", a.value, a.owner]
        check = str(AssetCondition(a.last_check_result).label) if a.last_check_result else ""
        tail = [a.handover_date or "", a.last_checked_on or "", check, str(a.get_status_display()), a.note]
        if asset_class == AssetClass.OPERATING:
            return [*lead, *origin, a.manager, a.year_income or 0, a.year_to_collective or 0,
                    a.year_to_households or 0, a.year_to_monitored or 0, *tail]
        if asset_class == AssetClass.PUBLIC:
            return [*lead, *origin, a.manager, *tail]
        return [*lead, a.household.number if a.household else "", a.head_name or "", *origin, *tail]

    return row


def _title_rows(asset_class: str):
    def title_rows(user, params: QueryDict, clear: bool) -> list[list[Any]]:
        region = Region.objects.filter(code=home_region(user) or "").values_list("name", flat=True).first() or ""
        return [[f"{region}{TITLES[asset_class]}（{timezone.localdate().year}年）"]]

    return title_rows


for _class, _name in ((AssetClass.OPERATING, "assets_operating"), (AssetClass.PUBLIC, "assets_public"),
                      (AssetClass.HOUSEHOLD, "assets_household")):
    register_export(
        _name, title=AssetClass(_class).label, columns=COLUMNS[_class], queryset_for=_ledger_queryset(_class),
        row=_ledger_row(_class), object_type="revitalization.asset", filename=_name, sheet_name=TITLES[_class],
        title_rows=_title_rows(_class),
    )


# --- village profiles -----------------------------------------------------------------------------

PROFILE_COLUMNS = ["所在乡镇", "村名称", "村代码", "年度", "脱贫村", "软弱涣散村", "集体经济薄弱村",
                   "村集体经济收入（元）", "通硬化路", "通自来水", "通宽带", "标准化卫生室", "小学或教学点", "备注"]


def profile_queryset(user, params: QueryDict):
    rows = VillageProfileFilter.for_page(params, village_service.visible_profiles(user), user).rows()
    return rows.annotate(township_name=township_name_subquery()).order_by("region_code")


def profile_row(p: VillageProfile) -> list[Any]:
    return [p.township_name or "", p.village.name, p.village_id, p.year, yes_no(p.ex_poor), yes_no(p.slack),
            yes_no(p.is_weak), p.collective_income if p.collective_income is not None else "",
            yes_no(p.hardened_road), yes_no(p.tap_water), yes_no(p.broadband), yes_no(p.clinic), yes_no(p.school),
            p.note]


register_export(
    "village_profiles", title=_("Village profiles"), columns=PROFILE_COLUMNS, queryset_for=profile_queryset,
    row=profile_row, object_type="revitalization.villageprofile", filename="village_profiles", sheet_name="村情档案",
)
