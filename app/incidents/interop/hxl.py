"""HXL-tagged CSV exports of an incident: the needs of its newest plan, its deliveries, and the
occupancy of the shelters in an area.

Same conventions as `readygrid export` (app.importexport): a header row (English keys or
Chinese), then the HXL hashtag row, then the data; district..grid are #adm2..#adm5; depots
are #loc+depot, lots #item+batch. Names follow the chosen language (+i_zh / +i_en).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.core.csvfile import Column, write
from app.core.lookup import actor
from app.core.vocabulary import AreaLevel
from app.incidents import services as incident_service
from app.incidents.allocation import services as allocation
from app.incidents.enums import DispatchStatus
from app.incidents.models import Dispatch, IncidentArea, PlanLine, PlanShipment
from app.resources.models import Shelter

# the administrative levels, as in app.importexport.kinds (HXL #adm1 would be the province)
ADM_LEVELS: tuple[tuple[AreaLevel, str, str, str], ...] = (
    (AreaLevel.DISTRICT, "district", "区", "#adm2"),
    (AreaLevel.STREET, "street", "街道", "#adm3"),
    (AreaLevel.COMMUNITY, "community", "社区", "#adm4"),
    (AreaLevel.GRID, "grid", "网格", "#adm5"),
)


@dataclass(frozen=True)
class CsvExport:
    filename: str
    text: str


def _col(key: str, zh: str, hxl: str) -> Column:
    """A column whose value is the row's entry under its key."""
    def get(row: dict[str, Any]) -> Any:
        return row.get(key)
    return Column(key, zh, hxl, export=get)


def _names_tag(lang: str) -> str:
    return "+i_zh" if lang == "zh" else "+i_en"


def _adm_columns(lang: str) -> list[Column]:
    cols = []
    for _level, key, zh, tag in ADM_LEVELS:
        cols.append(_col(f"{key}_code", f"{zh}编码", f"{tag}+code"))
        cols.append(_col(f"{key}_name", f"{zh}名称", f"{tag}+name{_names_tag(lang)}"))
    return cols


def _adm_values(area: Area, lang: str) -> dict[str, Any]:
    """The area and its ancestors, one pair of code/name columns per administrative level."""
    out: dict[str, Any] = {}
    node: Area | None = area
    while node is not None:
        for level, key, _zh, _tag in ADM_LEVELS:
            if node.level is level:
                out[f"{key}_code"], out[f"{key}_name"] = node.code, node.name(lang)
        node = node.parent
    return out


def _unit(item: Any, lang: str) -> str:
    return str(item.unit_zh if lang == "zh" else item.unit_en)


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


# ---------------------------------------------------------------------------------------------
# needs


def needs_columns(lang: str) -> list[Column]:
    i = _names_tag(lang)
    return [
        _col("incident", "事件编码", "#event+code"),
        _col("plan", "方案编号", "#meta+plan"),
        _col("area", "区域编码", "#adm+code"),
        _col("area_level", "区域层级", "#adm+level"),
        *_adm_columns(lang),
        _col("item", "物资编码", "#item+code"),
        _col("item_name", "物资名称", f"#item+name{i}"),
        _col("unit", "计量单位", f"#item+unit{i}"),
        _col("required", "需求量", "#value+needed"),
        _col("priority", "优先需求量", "#value+needed+vulnerable"),
        _col("committed", "在途量", "#value+committed"),
        _col("planned", "计划调拨量", "#value+planned"),
        _col("shortfall", "缺口", "#value+gap"),
        _col("affected", "受灾人数", "#affected"),
        _col("displaced", "转移安置人数", "#affected+displaced"),
    ]


def needs_rows(session: Session, code: str, lang: str) -> list[dict[str, Any]]:
    """The ICS-215 lines of the incident's newest plan (scope-checked), one row per area × item."""
    plan = allocation.get_plan(session, code)
    people = {ia.area_id: ia for ia in session.scalars(
        select(IncidentArea).where(IncidentArea.incident_id == plan.incident_id))}
    lines = session.scalars(select(PlanLine).where(PlanLine.plan_id == plan.id).options(
        selectinload(PlanLine.area), selectinload(PlanLine.item)).order_by(PlanLine.id)).all()
    rows = []
    for ln in lines:
        hit = people.get(ln.area_id)
        rows.append({
            "incident": plan.incident.code, "plan": plan.number, "area": ln.area.code,
            "area_level": ln.area.level.value, **_adm_values(ln.area, lang),
            "item": ln.item.code, "item_name": ln.item.name(lang), "unit": _unit(ln.item, lang),
            "required": ln.required, "priority": ln.priority, "committed": ln.committed,
            "planned": ln.planned, "shortfall": ln.shortfall,
            "affected": hit.affected if hit else "", "displaced": hit.displaced if hit else ""})
    return rows


def needs_csv(session: Session, code: str, lang: str = "en") -> CsvExport:
    return CsvExport(f"{code}-needs.csv",
                     write(needs_columns(lang), needs_rows(session, code, lang), lang=lang))


# ---------------------------------------------------------------------------------------------
# deliveries


def deliveries_columns(lang: str) -> list[Column]:
    i = _names_tag(lang)
    return [
        _col("incident", "事件编码", "#event+code"),
        _col("plan", "方案编号", "#meta+plan"),
        _col("dispatch", "调拨单号", "#activity+code"),
        _col("status", "状态", "#status"),
        _col("depot", "仓库编码", "#loc+depot+code"),
        _col("depot_name", "仓库名称", f"#loc+depot+name{i}"),
        _col("area", "目的区域编码", "#adm+code"),
        _col("area_name", "目的区域名称", f"#adm+name{i}"),
        _col("item", "物资编码", "#item+code"),
        _col("item_name", "物资名称", f"#item+name{i}"),
        _col("unit", "计量单位", f"#item+unit{i}"),
        _col("lot", "批次号", "#item+batch"),
        _col("expiry_date", "有效期至", "#date+expiry"),
        _col("quantity", "调拨数量", "#value+dispatched"),
        _col("delivered", "送达数量", "#value+delivered"),
        _col("km", "距离(公里)", "#geo+distance"),
        _col("ordered_at", "下单时间", "#date+ordered"),
        _col("closed_at", "完成时间", "#date+closed"),
    ]


def deliveries_rows(session: Session, code: str, lang: str) -> list[dict[str, Any]]:
    """Every lot line of the incident's dispatch orders that the caller's areas send or receive."""
    incident = incident_service.load(session, code)
    who = actor()
    orders = session.scalars(
        select(Dispatch).where(Dispatch.incident_id == incident.id)
        .options(selectinload(Dispatch.shipments).selectinload(PlanShipment.lot),
                 selectinload(Dispatch.shipments).selectinload(PlanShipment.item),
                 selectinload(Dispatch.depot), selectinload(Dispatch.area),
                 selectinload(Dispatch.plan))
        .order_by(Dispatch.code)).all()
    rows = []
    for order in orders:
        if not (who.covers(order.area.path) or who.covers(order.depot.area.path)):
            continue
        delivered = order.status is DispatchStatus.DELIVERED
        for s in order.shipments:
            rows.append({
                "incident": incident.code, "plan": order.plan.number, "dispatch": order.code,
                "status": order.status.value, "depot": order.depot.code,
                "depot_name": order.depot.name(lang), "area": order.area.code,
                "area_name": order.area.name(lang), "item": s.item.code,
                "item_name": s.item.name(lang), "unit": _unit(s.item, lang),
                "lot": s.lot.lot_number, "expiry_date": _iso(s.lot.expiry_date),
                "quantity": s.quantity, "delivered": s.quantity if delivered else 0,
                "km": round(order.km, 1), "ordered_at": _iso(order.created_at),
                "closed_at": _iso(order.closed_at)})
    return rows


def deliveries_csv(session: Session, code: str, lang: str = "en") -> CsvExport:
    return CsvExport(f"{code}-deliveries.csv",
                     write(deliveries_columns(lang), deliveries_rows(session, code, lang),
                           lang=lang))


# ---------------------------------------------------------------------------------------------
# shelters


def shelters_columns(lang: str) -> list[Column]:
    i = _names_tag(lang)
    return [
        _col("shelter", "避难场所编码", "#loc+shelter+code"),
        _col("shelter_name", "避难场所名称", f"#loc+shelter+name{i}"),
        _col("area", "所属区域编码", "#adm+code"),
        *_adm_columns(lang),
        _col("lat", "纬度", "#geo+lat"),
        _col("lon", "经度", "#geo+lon"),
        _col("status", "状态", "#status"),
        _col("capacity", "容纳人数", "#capacity"),
        _col("occupancy", "在场人数", "#affected+displaced+sheltered"),
        _col("free", "剩余容量", "#capacity+free"),
        _col("reported_at", "最近报告时间", "#date+reported"),
    ]


def shelters_rows(session: Session, prefix: str, lang: str) -> list[dict[str, Any]]:
    """The shelters in the area subtree at `prefix` (already scope-checked by the caller)."""
    shelters = session.scalars(
        select(Shelter).join(Area, Area.id == Shelter.area_id)
        .where(Area.path.startswith(prefix)).options(selectinload(Shelter.area))
        .order_by(Shelter.code)).all()
    return [{"shelter": s.code, "shelter_name": s.name(lang), "area": s.area.code,
             **_adm_values(s.area, lang), "lat": s.lat, "lon": s.lon, "status": s.status.value,
             "capacity": s.capacity, "occupancy": s.occupancy, "free": s.free_places,
             "reported_at": _iso(s.occupancy_updated_at)} for s in shelters]


def shelters_csv(session: Session, prefix: str, lang: str = "en",
                 area: str | None = None) -> CsvExport:
    name = f"shelters-{area}.csv" if area else "shelters.csv"
    return CsvExport(name, write(shelters_columns(lang), shelters_rows(session, prefix, lang),
                                 lang=lang))
