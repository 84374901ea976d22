"""The incident log (ICS 214): every step with who and when, situation reports and their rules."""
from __future__ import annotations

from typing import Any

import pytest

from app.core import audit
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.incidents import dispatches, log, reserves, sitreps, workflows
from app.incidents import services as incidents
from app.incidents.allocation import services as allocation
from app.incidents.log_models import PHOTO_MAX
from app.incidents.services import AreaInput
from app.incidents.sitreps import ReportInput
from tests.helpers import acting

GRID, OTHER = "S01-C01-G01", "S02-C01-G01"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def responded(ctx: Any) -> tuple[str, str]:
    """An incident declared, re-levelled, its reserve released, a checklist action ticked,
    its plan confirmed and one order delivered; returns (incident, delivered order)."""
    code = workflows.declare(ctx, title="内涝", hazard="flood", level=3,
                             areas=[AreaInput(GRID, 300, 60), AreaInput(OTHER, 200, 20)]).code
    workflows.change_level(ctx, code, 2)
    reserves.release(ctx, code, None, "roads cut")
    incidents.tick_task(ctx, code, incidents.load(ctx, code).checklist[0].id)
    number = allocation.make_plan(ctx, code)
    orders = allocation.confirm(ctx, code, number)
    dispatches.deliver(ctx, orders[0])
    return code, orders[0]


def test_the_log_lists_every_kind_of_step_with_who_and_when_in_both_languages(
        ctx: Any, demo: Any) -> None:
    code, order = responded(ctx)
    sitreps.add(ctx, code, ReportInput("水深 0.5 米", GRID, {"evacuated": 40}))
    en = log.incident_log(ctx, code, "en")
    kinds = {e.kind for e in en}
    assert {"incident", "plan", "reserve", "checklist", "dispatch", "notice",
            "sitrep"} <= kinds
    texts = " | ".join(e.text for e in en)
    assert "Declared at level Ⅲ" in texts and "Level changed from Ⅲ to Ⅱ" in texts
    assert "confirmed" in texts and f"Order {order}: Delivered" in texts
    assert "Protected reserves of every depot released" in texts
    assert all(e.who and e.at for e in en)
    assert [e.at for e in en] == sorted(e.at for e in en)  # oldest first
    zh = " | ".join(e.text for e in log.incident_log(ctx, code, "zh"))
    assert "宣布启动" in zh or "启动" in zh
    assert "已送达" in zh and "Delivered" not in zh
    sitrep = next(e for e in en if e.kind == "sitrep")
    assert sitrep.text == "水深 0.5 米" and sitrep.details == ["Evacuated: 40"]


def test_areas_changed_and_a_generic_receipt_appear_in_the_log(ctx: Any, demo: Any) -> None:
    code, order = responded(ctx)
    incidents.set_areas(ctx, code, [AreaInput(GRID, 300, 60)])
    dispatch_id = dispatches.load(ctx, order).id
    audit.record(ctx, "create", "dispatch_receipts", "1", "receipt",
                 {"dispatch_id": dispatch_id, "received": 10})
    audit.record(ctx, "update", "dispatches", order, "moved on", {"status": "dispatched"})
    audit.record(ctx, "update", "dispatches", order, "moved back", {"status": "returned"})
    ctx.commit()
    texts = [e.text for e in log.incident_log(ctx, code, "en")]
    assert any(t.startswith("Affected areas changed") for t in texts)
    assert f"Receipt recorded for {order}" in texts
    assert f"Order {order}: Dispatched, in transit" in texts
    assert f"Order {order}: returned" in texts  # a status the code does not know yet


def test_a_burst_of_deliveries_by_one_person_collapses_into_one_entry(ctx: Any,
                                                                      demo: Any) -> None:
    code = workflows.declare(ctx, title="t", hazard="flood", level=3,
                             areas=[AreaInput(GRID, 3000, 600), AreaInput(OTHER, 3000, 600)]).code
    orders = allocation.confirm(ctx, code, 1)
    assert len(orders) > 1
    for order in orders:
        dispatches.deliver(ctx, order)
    entries = [e for e in log.incident_log(ctx, code, "en", ["dispatch"])]
    assert len(entries) == 1
    assert entries[0].text == f"{len(orders)} orders: Delivered"
    assert sorted(entries[0].details) == sorted(orders)


def test_a_situation_report_keeps_to_bounds_and_to_the_authors_scope(ctx: Any,
                                                                     demo: Any) -> None:
    code = workflows.declare(ctx, title="t", hazard="flood", level=3, plan=False,
                             areas=[AreaInput(GRID, 300, 60), AreaInput(OTHER, 200, 20)]).code
    for bad, field in ((ReportInput("  "), "text"), (ReportInput("x" * 4001), "text"),
                       (ReportInput("x", counts={"dead": -1}), "dead"),
                       (ReportInput("x", counts={"injured": 10**9}), "injured"),
                       (ReportInput("x", counts={"cats": 1}), "cats"),
                       (ReportInput("x", area="S01-C02"), "area")):
        with pytest.raises(ValidationFailed) as err:
            sitreps.add(ctx, code, bad)
        assert err.value.field == field
    with acting(ctx, "staff"):  # community S01-C01: its own community or grid, nothing else
        assert sitreps.add(ctx, code, ReportInput("ok", "S01-C01"))
        assert sitreps.add(ctx, code, ReportInput("ok", GRID))
        for area in (OTHER, None):
            with pytest.raises(ValidationFailed) as err:
                sitreps.add(ctx, code, ReportInput("x", area))
            assert err.value.field == "area"
    with acting(ctx, "official"), pytest.raises(Forbidden):
        sitreps.add(ctx, code, ReportInput("x", GRID))
    incidents.close(ctx, code)
    with pytest.raises(Conflict):
        sitreps.add(ctx, code, ReportInput("late"))


@pytest.mark.parametrize("data, kind", [(PNG, "image/png"), (JPEG, "image/jpeg"),
                                        (WEBP, "image/webp")])
def test_a_photo_is_recognised_by_its_bytes(ctx: Any, demo: Any, data: bytes,
                                            kind: str) -> None:
    code = workflows.declare(ctx, title="t", hazard="flood", level=3, plan=False,
                             areas=[AreaInput(GRID, 300, 60)]).code
    report = sitreps.add(ctx, code, ReportInput("photo", photo=data))
    assert sitreps.photo(ctx, code, report) == (data, kind)
    assert sitreps.reports(ctx, incidents.load(ctx, code).id)[0]["photo"] == kind


def test_a_photo_that_is_no_image_or_too_large_is_refused(ctx: Any, demo: Any) -> None:
    code = workflows.declare(ctx, title="t", hazard="flood", level=3, plan=False,
                             areas=[AreaInput(GRID, 300, 60)]).code
    for data in (b"<svg onload=alert(1)>", b"GIF89a" + b"\x00" * 10,
                 PNG + b"\x00" * PHOTO_MAX):
        with pytest.raises(ValidationFailed) as err:
            sitreps.add(ctx, code, ReportInput("photo", photo=data))
        assert err.value.field == "photo"
