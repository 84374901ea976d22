"""EDXL-RM 1.0 (OASIS Emergency Data Exchange Language – Resource Messaging) messages.

* RequestResource: the shortfalls of an incident's newest plan, one ResourceInformation per
  area × item that falls short, with the missing quantity and the requested arrival.
* CommitResource: the shipments of a confirmed plan, quantities committed from depots to areas.

Element names, order and namespaces follow the EDXL-RM 1.0 message schemas (OASIS Standard,
22 December 2009): the message elements and the elements declared inside them (Resource,
AssignmentInformation, ScheduleInformation, their children) are in the message namespace; the
children of the shared types (IncidentInformation, ContactInformation, Quantity, ValueList,
Location) are in the common-types namespace. Built with the standard library, no network.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.core.db import utcnow
from app.core.errors import Conflict
from app.core.i18n import _, lang
from app.incidents.allocation import services as allocation
from app.incidents.enums import PlanStatus
from app.incidents.models import AllocationPlan, Dispatch, Incident, PlanLine, PlanShipment

MSG_NS = "urn:oasis:names:tc:emergency:EDXL:RM:1.0:msg"
RM_NS = "urn:oasis:names:tc:emergency:EDXL:RM:1.0"
RG_NS = "urn:readygrid:edxl-rm:1.0"  # ReadyGrid's TypeInfo extension (an xs:any slot)
ITEM_LIST_URN = "urn:readygrid:catalogue:items"
UNIT_LIST_URN = "urn:readygrid:catalogue:units"
MEDIA_TYPE = "application/xml"

ET.register_namespace("rm", RM_NS)
ET.register_namespace("rg", RG_NS)


def _m(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    """A child in the message namespace."""
    return _child(parent, MSG_NS, tag, text)


def _c(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    """A child in the common-types namespace."""
    return _child(parent, RM_NS, tag, text)


def _child(parent: ET.Element, ns: str, tag: str, text: Any) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        el.text = str(text)
    return el


def _when(value: datetime) -> str:
    """xs:dateTime with its offset, to the second."""
    return value.replace(microsecond=0).isoformat()


def _name(obj: Any) -> str:
    return str(obj.name(lang()))


def message_id(incident: Incident, plan: AllocationPlan, kind: str) -> str:
    """Stable identifiers: re-sending the same message reuses its ID."""
    return f"urn:readygrid:{incident.code}:plan-{plan.number}:{kind}"


def _header(kind: str, incident: Incident, plan: AllocationPlan, description: str,
            originating: str | None = None) -> ET.Element:
    root = ET.Element(f"{{{MSG_NS}}}{kind}")
    _m(root, "MessageID", message_id(incident, plan, kind))
    _m(root, "SentDateTime", _when(utcnow()))
    _m(root, "MessageContentType", kind)
    _m(root, "MessageDescription", description)
    if originating:
        _m(root, "OriginatingMessageID", originating)
    info = _m(root, "IncidentInformation")
    _c(info, "IncidentID", incident.code)
    _c(info, "IncidentDescription", _(
        "%(title)s (%(hazard)s, level %(level)s)%(exercise)s", title=incident.title,
        hazard=incident.hazard.label(lang()), level=incident.level,
        exercise=_(" — EXERCISE") if incident.exercise else ""))
    contact = _m(root, "ContactInformation")
    district = incident.district
    _c(contact, "ContactDescription", _("%(district)s emergency management (ReadyGrid)",
                                        district=_name(district)))
    _c(contact, "ContactRole", "Requester" if kind == "RequestResource" else "Responder")
    where = _c(contact, "ContactLocation")
    _c(where, "LocationDescription", f"{district.code} {_name(district)}")
    return root


def _resource(info: ET.Element, item: Any, extra: dict[str, str] | None = None) -> None:
    resource = _m(info, "Resource")
    _m(resource, "Name", _name(item))
    structure = _m(resource, "TypeStructure")
    _c(structure, "ValueListURN", ITEM_LIST_URN)
    _c(structure, "Value", item.code)
    type_info = _m(resource, "TypeInfo")
    rg = _child(type_info, RG_NS, "Item", None)
    fields = {"Code": item.code, "NameZh": item.name_zh, "NameEn": item.name_en,
              "Category": item.category.value, "UnitZh": item.unit_zh, "UnitEn": item.unit_en,
              **(extra or {})}
    for tag, text in fields.items():
        _child(rg, RG_NS, tag, text)


def _quantity(parent: ET.Element, amount: int, item: Any) -> None:
    quantity = _m(parent, "Quantity")
    measured = _c(quantity, "MeasuredQuantity")
    _c(measured, "Amount", amount)
    unit = _c(measured, "UnitOfMeasure")
    _c(unit, "ValueListURN", UNIT_LIST_URN)
    _c(unit, "Value", item.unit_en)


def _schedule(info: ET.Element, kind: str, when: datetime | None, place: str) -> None:
    schedule = _m(info, "ScheduleInformation")
    _m(schedule, "ScheduleType", kind)
    if when is not None:
        _m(schedule, "DateTime", _when(when))
    location = _m(schedule, "Location")
    _c(location, "LocationDescription", place)


def _place(area: Area) -> str:
    return f"{area.code} {_name(area)}"


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True,
                             default_namespace=MSG_NS))


def request_resource(session: Session, code: str) -> tuple[str, bytes]:
    """RequestResource for the shortfalls of the incident's newest plan (scope-checked)."""
    plan = allocation.get_plan(session, code)
    incident = plan.incident
    lines = [ln for ln in session.scalars(
        select(PlanLine).where(PlanLine.plan_id == plan.id)
        .options(selectinload(PlanLine.area), selectinload(PlanLine.item))
        .order_by(PlanLine.id)) if ln.shortfall > 0]
    if not lines:
        raise Conflict(_("Plan %(n)s of incident %(code)s has no shortfall: there is nothing "
                         "to request.", n=plan.number, code=code), field="plan")
    root = _header("RequestResource", incident, plan, _(
        "Resources still missing after plan %(n)s of incident %(code)s: %(lines)s area and "
        "item shortfalls.", n=plan.number, code=code, lines=len(lines)))
    for ln in lines:
        info = _m(root, "ResourceInformation")
        _m(info, "ResourceInfoElementID", f"{ln.area.code}/{ln.item.code}")
        _resource(info, ln.item)
        assignment = _m(info, "AssignmentInformation")
        _quantity(assignment, ln.shortfall, ln.item)
        _schedule(info, "RequestedArrival", plan.delivery_date, _place(ln.area))
    return f"{code}-plan-{plan.number}-request-resource.xml", _serialise(root)


def commit_resource(session: Session, code: str, number: int) -> tuple[str, bytes]:
    """CommitResource for the shipments of a confirmed plan: depot → area, item, quantity."""
    plan = allocation.get_plan(session, code, number)
    if plan.status is not PlanStatus.CONFIRMED:
        raise Conflict(_("Plan %(n)s of incident %(code)s is %(status)s: only a confirmed "
                         "plan commits resources.", n=number, code=code,
                         status=plan.status.label(lang())), field="plan")
    incident = plan.incident
    shipments = session.scalars(
        select(PlanShipment).where(PlanShipment.plan_id == plan.id)
        .options(selectinload(PlanShipment.depot), selectinload(PlanShipment.area),
                 selectinload(PlanShipment.item), selectinload(PlanShipment.lot))
        .order_by(PlanShipment.id)).all()
    if not shipments:
        raise Conflict(_("Plan %(n)s of incident %(code)s ships nothing: there is nothing to "
                         "commit.", n=number, code=code), field="plan")
    orders = dict(session.execute(select(Dispatch.id, Dispatch.code)
                                  .where(Dispatch.plan_id == plan.id)).all())
    groups: dict[tuple[int, int, int], list[PlanShipment]] = defaultdict(list)
    for s in shipments:  # one commitment per depot, area and item; its lots add up
        groups[(s.depot_id, s.area_id, s.item_id)].append(s)
    root = _header("CommitResource", incident, plan, _(
        "Resources committed by confirmed plan %(n)s of incident %(code)s: %(lines)s "
        "shipments from depots to areas.", n=number, code=code, lines=len(groups)),
        originating=message_id(incident, plan, "RequestResource"))
    for lots in groups.values():
        first = lots[0]
        info = _m(root, "ResourceInformation")
        _m(info, "ResourceInfoElementID",
           f"{first.depot.code}>{first.area.code}/{first.item.code}")
        _resource(info, first.item, {
            "Depot": first.depot.code,
            "Lots": " ".join(s.lot.lot_number for s in lots)})
        assignment = _m(info, "AssignmentInformation")
        _quantity(assignment, sum(s.quantity for s in lots), first.item)
        order = orders.get(first.dispatch_id) if first.dispatch_id else None
        if order:
            _m(assignment, "OrderID", order)
        _schedule(info, "Committed", plan.confirmed_at,
                  f"{first.depot.code} {_name(first.depot)} {first.depot.address}".strip())
        _schedule(info, "EstimatedArrival", plan.delivery_date, _place(first.area))
    return f"{code}-plan-{number}-commit-resource.xml", _serialise(root)


# ---------------------------------------------------------------------------------------------
# Structure check. The official OASIS XSDs are not bundled (no verifiable copy was at hand).
# This checks the element order, namespaces and cardinalities of the parts these messages use,
# as declared by the EDXL-RM 1.0 message schemas (the sequences of RequestResource and
# CommitResource and of the types they use). Unknown children, a wrong order or a missing
# required element are errors.

_U = None  # unbounded
_Seq = list[tuple[str, str, int, int | None]]
_HEAD: _Seq = [(MSG_NS, "MessageID", 1, 1), (MSG_NS, "SentDateTime", 1, 1),
         (MSG_NS, "MessageContentType", 1, 1), (MSG_NS, "MessageDescription", 0, 1),
         (MSG_NS, "OriginatingMessageID", 0, 1)]
_TAIL: _Seq = [(MSG_NS, "IncidentInformation", 0, _U), (MSG_NS, "MessageRecall", 0, 1),
         (MSG_NS, "Funding", 0, _U), (MSG_NS, "ContactInformation", 1, _U),
         (MSG_NS, "ResourceInformation", 1, _U)]
_VALUE_LIST: _Seq = [(RM_NS, "ValueListURN", 1, 1), (RM_NS, "Value", 1, _U)]
_LOCATION: _Seq = [(RM_NS, "LocationDescription", 0, 1), (RM_NS, "Address", 0, 1),
             (RM_NS, "TargetArea", 0, 1)]
SEQUENCES: dict[str, _Seq] = {
    "RequestResource": _HEAD + _TAIL,
    "CommitResource": _HEAD + [(MSG_NS, "PrecedingMessageID", 0, 1)] + _TAIL,
    "IncidentInformation": [(RM_NS, "IncidentID", 0, 1), (RM_NS, "IncidentDescription", 0, 1)],
    "ContactInformation": [(RM_NS, "ContactDescription", 0, 1), (RM_NS, "ContactRole", 0, 1),
                           (RM_NS, "Radio", 0, 1), (RM_NS, "ContactLocation", 0, 1),
                           (RM_NS, "AdditionalContactInformation", 0, 1)],
    "ContactLocation": _LOCATION,
    "RequestResource/ResourceInformation": [
        (MSG_NS, "ResourceInfoElementID", 1, 1), (MSG_NS, "Resource", 1, 1),
        (MSG_NS, "AssignmentInformation", 0, 1), (MSG_NS, "ScheduleInformation", 0, _U)],
    "CommitResource/ResourceInformation": [
        (MSG_NS, "ResourceInfoElementID", 1, 1), (MSG_NS, "ResponseInformation", 0, 1),
        (MSG_NS, "Resource", 0, 1), (MSG_NS, "AssignmentInformation", 0, 1),
        (MSG_NS, "ScheduleInformation", 0, _U)],
    "Resource": [(MSG_NS, "ResourceID", 0, 1), (MSG_NS, "Name", 0, 1),
                 (MSG_NS, "TypeStructure", 0, 1), (MSG_NS, "TypeInfo", 0, 1),
                 (MSG_NS, "Keyword", 0, _U), (MSG_NS, "Description", 0, 1),
                 (MSG_NS, "Credentials", 0, _U), (MSG_NS, "Certifications", 0, _U),
                 (MSG_NS, "SpecialRequirements", 0, _U), (MSG_NS, "ResponsibleParty", 0, 1),
                 (MSG_NS, "OwnershipInformation", 0, 1), (MSG_NS, "ResourceStatus", 0, 1)],
    "TypeStructure": _VALUE_LIST,
    "AssignmentInformation": [(MSG_NS, "Quantity", 0, 1), (MSG_NS, "Restrictions", 0, 1),
                              (MSG_NS, "AnticipatedFunction", 0, 1),
                              (MSG_NS, "PriceQuote", 0, 1), (MSG_NS, "OrderID", 0, 1),
                              (MSG_NS, "AssignmentInstructions", 0, 1)],
    "Quantity": [(RM_NS, "MeasuredQuantity", 1, 1)],  # (or QuantityText, which we never use)
    "MeasuredQuantity": [(RM_NS, "Amount", 1, 1), (RM_NS, "UnitOfMeasure", 0, 1)],
    "UnitOfMeasure": _VALUE_LIST,
    "ScheduleInformation": [(MSG_NS, "ScheduleType", 1, 1), (MSG_NS, "DateTime", 0, 1),
                            (MSG_NS, "Location", 0, 1)],
    "Location": _LOCATION,
}
# Schedule types each message may carry (EDXL-RM 1.0 conditional rules)
SCHEDULE_TYPES = {
    "RequestResource": {"RequestedArrival", "RequestedDeparture", "EstimatedReturnArrival",
                        "EstimatedReturnDeparture", "ReportTo", "Route"},
    "CommitResource": {"RequestedArrival", "RequestedDeparture", "EstimatedArrival",
                       "EstimatedDeparture", "EstimatedReturnArrival", "EstimatedReturnDeparture",
                       "RequestedReturnArrival", "RequestedReturnDeparture", "Committed",
                       "Current", "ReportTo", "Route", "BeginAvailable", "EndAvailable",
                       "ActualDeparture"},
}


def _local(tag: str) -> tuple[str, str]:
    ns, _sep, name = tag[1:].partition("}")
    return ns, name


def _check_sequence(el: ET.Element, key: str, path: str, errors: list[str]) -> None:
    spec = SEQUENCES[key]
    children = list(el)
    i = 0
    for ns, name, low, high in spec:
        n = 0
        while i < len(children) and _local(children[i].tag) == (ns, name):
            n, i = n + 1, i + 1
        if n < low:
            errors.append(f"{path}: missing {name}")
        if high is not None and n > high:
            errors.append(f"{path}: {name} more than {high} times")
    for extra in children[i:]:
        errors.append(f"{path}: unexpected or misplaced {extra.tag}")


def structure_errors(root: ET.Element) -> list[str]:
    """Where a RequestResource or CommitResource departs from the EDXL-RM 1.0 structure."""
    ns, kind = _local(root.tag)
    if ns != MSG_NS or kind not in ("RequestResource", "CommitResource"):
        return [f"root element {root.tag} is not an EDXL-RM 1.0 Request/CommitResource"]
    errors: list[str] = []
    _check_sequence(root, kind, kind, errors)
    if root.findtext(f"{{{MSG_NS}}}MessageContentType") != kind:
        errors.append(f"{kind}: MessageContentType must be {kind}")
    nested = {"ResourceInformation": f"{kind}/ResourceInformation"}

    def walk(el: ET.Element, path: str) -> None:
        for child in el:
            cns, name = _local(child.tag)
            if cns == RG_NS:
                continue
            key = nested.get(name, name)
            where = f"{path}/{name}"
            if key in SEQUENCES:
                _check_sequence(child, key, where, errors)
                walk(child, where)
            if name == "ScheduleType" and child.text not in SCHEDULE_TYPES[kind]:
                errors.append(f"{where}: {child.text} is not allowed in {kind}")
            if name in ("SentDateTime", "DateTime"):
                try:
                    parsed = datetime.fromisoformat(child.text or "")
                except ValueError:
                    errors.append(f"{where}: not an xs:dateTime")
                else:
                    if parsed.tzinfo is None:
                        errors.append(f"{where}: the time zone is required")
            if name == "Amount":
                try:
                    if float(child.text or "x") < 0:
                        errors.append(f"{where}: negative")
                except ValueError:
                    errors.append(f"{where}: not a number")

    walk(root, kind)
    return errors
