"""The importable and exportable kinds: their columns, in English, Chinese and HXL."""
from __future__ import annotations

from app.core.csvfile import Column
from app.core.vocabulary import AreaLevel, Hazard
from app.exchange import parsers as p
from app.resources.enums import (
    Availability,
    Facility,
    PointKind,
    ShelterDuration,
    ShelterGrade,
    ShelterStatus,
    Speciality,
    TeamKind,
)
from app.stock.enums import ItemCategory, ReserveMode, VehicleKind

_HXL_ADM = {"district": "#adm2", "street": "#adm3", "community": "#adm4", "grid": "#adm5"}


def _names(hxl: str) -> list[Column]:
    return [Column("name_zh", "中文名称", f"{hxl}+name+i_zh", required=True),
            Column("name_en", "英文名称", f"{hxl}+name+i_en")]


def _location(prefix: str = "") -> list[Column]:
    return [Column(f"{prefix}lat", "纬度", "#geo+lat", p.latitude),
            Column(f"{prefix}lon", "经度", "#geo+lon", p.longitude)]


AREAS = [
    Column("code", "编码", "#adm+code", p.code, required=True),
    Column("level", "层级", "#adm+level", p.enum(AreaLevel), required=True),
    Column("parent", "上级编码", "#adm+code+parent", p.code,
           export=lambda a: a.parent.code if a.parent_id else ""),
    *_names("#adm"),
    *_location(),
    Column("population", "人口", "#population", p.whole),
    Column("households", "户数", "#population+households", p.whole),
    Column("elderly_alone", "独居老人", "#population+elderly+alone", p.whole),
    Column("disabled", "残疾或卧床", "#population+disabled", p.whole),
    Column("infants", "3岁以下婴幼儿", "#population+infants", p.whole),
    Column("pregnant", "孕妇", "#population+pregnant", p.whole),
    Column("chronically_ill", "慢性病患者", "#population+chronic", p.whole),
    Column("hazards", "风险隐患", "#hazard", p.enum_list(Hazard)),
]

ITEMS = [
    Column("code", "编码", "#item+code", p.code, required=True),
    *_names("#item"),
    Column("category", "类别", "#item+category", p.enum(ItemCategory), required=True),
    Column("unit_zh", "计量单位", "#item+unit+i_zh", required=True),
    Column("unit_en", "英文单位", "#item+unit+i_en", required=True),
    Column("shelf_life_days", "保质期(天)", "#item+shelf_life", p.positive),
    Column("reserve_mode", "储备方式", "#item+reserve", p.enum(ReserveMode)),
    Column("weight_kg", "单位重量(千克)", "#item+weight", p.decimal),
    Column("volume_m3", "单位体积(立方米)", "#item+volume", p.decimal),
    Column("min_per_depot", "每库最低储量", "#item+minimum", p.whole),
]

DEPOTS = [
    Column("code", "编码", "#loc+depot+code", p.code, required=True),
    *_names("#loc+depot"),
    Column("area", "所属区域", "#adm+code", p.code, required=True,
           export=lambda d: d.area.code),
    *_location(),
    Column("address", "地址", "#loc+address"),
    Column("contact_name", "联系人", "#contact+name"),
    Column("contact_phone", "联系电话", "#contact+phone"),
]

LOTS = [
    Column("depot", "仓库编码", "#loc+depot+code", p.code, required=True,
           export=lambda lot: lot.depot.code),
    Column("item", "物资编码", "#item+code", p.code, required=True,
           export=lambda lot: lot.item.code),
    Column("lot_number", "批次号", "#item+batch", required=True),
    Column("quantity", "数量", "#item+num", p.positive, required=True,
           export=lambda lot: lot.on_hand),
    Column("expiry_date", "有效期至", "#date+expiry", p.day),
    Column("received_on", "入库日期", "#date+received", p.day),
    Column("supplier", "供应商", "#org+supplier"),
]

SHELTERS = [
    Column("code", "编码", "#loc+shelter+code", p.code, required=True),
    *_names("#loc+shelter"),
    Column("area", "所属区域", "#adm+code", p.code, required=True,
           export=lambda s: s.area.code),
    *_location(),
    Column("address", "地址", "#loc+address"),
    Column("duration_class", "避难时长类别", "#loc+shelter+duration", p.enum(ShelterDuration),
           required=True),
    Column("grade", "级别", "#loc+shelter+grade", p.enum(ShelterGrade), required=True),
    Column("indoor", "室内", "#loc+shelter+indoor", p.flag),
    Column("capacity", "容纳人数", "#capacity", p.whole, required=True),
    Column("usable_area_m2", "有效面积(平方米)", "#capacity+area", p.decimal),
    Column("facilities", "设施", "#loc+shelter+facilities", p.enum_list(Facility)),
    Column("status", "状态", "#status", p.enum(ShelterStatus)),
    Column("contact_name", "联系人", "#contact+name"),
    Column("contact_phone", "联系电话", "#contact+phone"),
]

TEAMS = [
    Column("code", "编码", "#org+team+code", p.code, required=True),
    *_names("#org+team"),
    Column("kind", "类型", "#org+team+type", p.enum(TeamKind), required=True),
    Column("speciality", "专业", "#org+team+speciality", p.enum(Speciality)),
    Column("home_area", "所属区域", "#adm+code", p.code, required=True,
           export=lambda t: t.home_area.code),
    *_location("base_"),
    Column("base_address", "驻地", "#loc+address"),
    Column("availability", "可用状态", "#status", p.enum(Availability)),
    Column("contact_phone", "联系电话", "#contact+phone"),
]

MEMBERS = [
    Column("team", "队伍编码", "#org+team+code", p.code, required=True,
           export=lambda m: m.team.code),
    Column("name", "姓名", "#contact+name", required=True),
    Column("role", "职务", "#contact+role"),
    Column("phone", "电话", "#contact+phone"),
    Column("qualifications", "资质(名称:到期日)", "#meta+qualifications", p.qualifications,
           export=lambda m: "; ".join(
               f"{q.name}:{q.expires_on.isoformat()}" if q.expires_on else q.name
               for q in m.qualifications)),
]

POINTS = [
    Column("code", "编码", "#loc+point+code", p.code, required=True),
    Column("area", "服务区域", "#adm+code", p.code, required=True,
           export=lambda r: r.area.code),
    Column("kind", "类型", "#loc+point+type", p.enum(PointKind), required=True),
    Column("depot", "储备点编码", "#loc+depot+code", p.code,
           export=lambda r: r.depot.code if r.depot_id else ""),
    Column("shelter", "避难场所编码", "#loc+shelter+code", p.code,
           export=lambda r: r.shelter.code if r.shelter_id else ""),
    Column("address", "地址", "#loc+address"),
    *_location(),
    Column("contact_name", "接收人", "#contact+name", required=True),
    Column("contact_phone", "接收人电话", "#contact+phone", required=True),
]

VEHICLES = [
    Column("code", "编码", "#asset+vehicle+code", p.code, required=True),
    Column("plate", "车牌号", "#asset+vehicle+plate", required=True),
    Column("depot", "所属储备点", "#loc+depot+code", p.code, required=True,
           export=lambda v: v.depot.code),
    Column("kind", "车型", "#asset+vehicle+type", p.enum(VehicleKind), required=True),
    Column("payload_kg", "载重(千克)", "#asset+vehicle+payload", p.decimal, required=True),
    Column("volume_m3", "容积(立方米)", "#asset+vehicle+volume", p.decimal, required=True),
    Column("driver_name", "驾驶员", "#contact+name"),
    Column("driver_phone", "驾驶员电话", "#contact+phone"),
]

KINDS: dict[str, list[Column]] = {
    "areas": AREAS, "items": ITEMS, "depots": DEPOTS, "lots": LOTS, "shelters": SHELTERS,
    "teams": TEAMS, "members": MEMBERS, "points": POINTS, "vehicles": VEHICLES,
}
