"""EDXL-RM 1.0 structure checks and the HXL helpers, without the HTTP layer."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from app.incidents.interop.edxl import MSG_NS, RM_NS, structure_errors

M, R = f"{{{MSG_NS}}}", f"{{{RM_NS}}}"


def message(kind: str = "RequestResource", *, schedule: str = "RequestedArrival",
            drop: str | None = None, swap: bool = False) -> ET.Element:
    root = ET.Element(f"{M}{kind}")
    parts: list[tuple[str, Any]] = [
        ("MessageID", "urn:x:1"), ("SentDateTime", "2025-07-01T08:00:00+08:00"),
        ("MessageContentType", kind), ("IncidentInformation", None),
        ("ContactInformation", None), ("ResourceInformation", None)]
    if swap:
        parts[0], parts[1] = parts[1], parts[0]
    for name, text in parts:
        if name == drop:
            continue
        el = ET.SubElement(root, f"{M}{name}")
        el.text = text
        if name == "IncidentInformation":
            ET.SubElement(el, f"{R}IncidentID").text = "INC-1"
        if name == "ContactInformation":
            ET.SubElement(el, f"{R}ContactRole").text = "Requester"
        if name == "ResourceInformation":
            ET.SubElement(el, f"{M}ResourceInfoElementID").text = "G01/WATER"
            resource = ET.SubElement(el, f"{M}Resource")
            ET.SubElement(resource, f"{M}Name").text = "Water"
            assignment = ET.SubElement(el, f"{M}AssignmentInformation")
            measured = ET.SubElement(ET.SubElement(assignment, f"{M}Quantity"),
                                     f"{R}MeasuredQuantity")
            ET.SubElement(measured, f"{R}Amount").text = "120"
            sched = ET.SubElement(el, f"{M}ScheduleInformation")
            ET.SubElement(sched, f"{M}ScheduleType").text = schedule
            ET.SubElement(sched, f"{M}DateTime").text = "2025-07-02T00:00:00+00:00"
    return root


def test_a_well_formed_request_passes() -> None:
    assert structure_errors(message()) == []


def test_missing_misplaced_and_wrong_values_are_reported() -> None:
    assert any("missing ResourceInformation" in e
               for e in structure_errors(message(drop="ResourceInformation")))
    assert any("missing ContactInformation" in e
               for e in structure_errors(message(drop="ContactInformation")))
    assert structure_errors(message(swap=True))
    assert any("Committed is not allowed" in e
               for e in structure_errors(message(schedule="Committed")))
    assert structure_errors(message("CommitResource", schedule="Committed")) == []
    wrong = message()
    wrong.find(f"{M}MessageContentType").text = "CommitResource"  # type: ignore[union-attr]
    assert any("MessageContentType" in e for e in structure_errors(wrong))
    naive = message()
    naive.find(f"{M}SentDateTime").text = "2025-07-01T08:00:00"  # type: ignore[union-attr]
    assert any("time zone" in e for e in structure_errors(naive))
    assert structure_errors(ET.Element("{urn:other}RequestResource"))


def test_service_messages_pass_the_structure_check(ctx: Any, demo: Any) -> None:
    from app.incidents import services as incidents
    from app.incidents.allocation import services as allocation
    from app.incidents.interop import edxl
    from app.incidents.interop import hxl as hxl_exports
    from app.incidents.services import AreaInput

    code = incidents.declare(ctx, title="台风", hazard="typhoon", level=2,
                             areas=[AreaInput("S01-C01-G01", 50000, 20000, 0)])
    number = allocation.make_plan(ctx, code)
    name, body = edxl.request_resource(ctx, code)
    assert name.endswith("request-resource.xml")
    root = ET.fromstring(body)
    assert structure_errors(root) == []
    plan = allocation.get_plan(ctx, code, number)
    amounts = sorted(int(a.text or 0) for a in root.iter(f"{R}Amount"))
    assert amounts == sorted(ln.shortfall for ln in plan.lines if ln.shortfall > 0)
    rows = hxl_exports.needs_rows(ctx, code, "en")
    assert sum(r["shortfall"] for r in rows) == sum(amounts)
    assert {r["grid_code"] for r in rows} == {"S01-C01-G01"}
