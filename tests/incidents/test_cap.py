"""CAP 1.2 export: every alert of an incident's history validates against the OASIS schema."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lxml import etree

from app.core.errors import ValidationFailed
from app.core.vocabulary import AreaLevel, Hazard
from app.incidents import services as incidents
from app.incidents.enums import IncidentEventKind
from app.incidents.interop import cap
from app.incidents.services import AreaInput

NS = {"cap": cap.CAP_NS}
GRID = "S01-C01-G01"
OASIS_SHA256 = "b7798ef25868b068c97b268bda02d067c7d4ba9373adc5638bf37105804ee723"


def _area(code: str = GRID, level: AreaLevel = AreaLevel.GRID) -> cap.AreaData:
    return cap.AreaData(code, "某网格", "Some grid", level, 32.04123, 118.78456, 200, 40)


def _alert(**over: Any) -> cap.AlertData:
    sent = datetime(2026, 7, 1, 2, 30, 15, 123456, tzinfo=UTC)
    base: dict[str, Any] = dict(
        number=1, identifier="readygrid@D01:INC-1:1", sender="readygrid@D01", sent=sent,
        kind=IncidentEventKind.DECLARED, msg_type="Alert", exercise=False, level=3,
        hazard=Hazard.FLOOD, incident_code="INC-1", district_zh="某区", district_en="Some",
        onset=sent, expires=sent + timedelta(days=3), areas=(_area(),),
        web="https://readygrid.example/incidents/INC-1")
    return cap.AlertData(**{**base, **over})


def _valid(xml: bytes) -> etree._Element:
    assert cap.validation_errors(xml) == []
    return etree.fromstring(xml)


def test_the_schema_is_the_unmodified_oasis_file() -> None:
    data = cap.SCHEMA_PATH.read_bytes()
    assert hashlib.sha256(data).hexdigest() == OASIS_SHA256
    assert b"Copyright OASIS Open 2010" in data
    assert b'targetNamespace = "urn:oasis:names:tc:emergency:cap:1.2"' in data


def test_times_carry_an_offset_never_z() -> None:
    moment = datetime(2026, 7, 1, 2, 30, 15, 999, tzinfo=UTC)
    assert cap.cap_time(moment) == "2026-07-01T10:30:15+08:00"


def test_a_pure_alert_is_schema_valid_and_bilingual() -> None:
    root = _valid(cap.to_xml(_alert()))
    assert root.findtext("cap:status", namespaces=NS) == "Actual"
    infos = root.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["zh-CN", "en-US"]
    assert {i.findtext("cap:category", namespaces=NS) for i in infos} == {"Met"}
    assert {i.findtext("cap:severity", namespaces=NS) for i in infos} == {"Moderate"}
    assert infos[0].findtext("cap:area/cap:circle", namespaces=NS) == "32.04123,118.78456 0.5"
    colours = [p.findtext("cap:value", namespaces=NS) for p in infos[1].findall(
        "cap:parameter", NS) if p.findtext("cap:valueName", namespaces=NS).endswith("colour")]
    assert colours == ["yellow"]


@pytest.mark.parametrize(("level", "severity"), [(1, "Extreme"), (2, "Severe"),
                                                 (3, "Moderate"), (4, "Minor")])
def test_levels_map_to_severity(level: int, severity: str) -> None:
    root = _valid(cap.to_xml(_alert(level=level)))
    assert root.findtext("cap:info/cap:severity", namespaces=NS) == severity


def test_every_hazard_has_a_category() -> None:
    assert set(cap.HAZARD_CATEGORY) == set(Hazard)
    for hazard in Hazard:
        _valid(cap.to_xml(_alert(hazard=hazard)))


def test_a_schema_breaking_alert_is_caught() -> None:
    root = cap.alert_element(_alert())
    root.find("cap:status", NS).text = "Real"
    assert cap.validation_errors(etree.tostring(root))


@pytest.fixture
def history(ctx: Any, demo: Any) -> Any:
    return ctx


def _export(session: Any, code: str) -> list[etree._Element]:
    incident = incidents.load(session, code)
    alerts = cap.alerts_of(incident, cap.default_sender(incident.district.code),
                           "https://readygrid.example/incidents/" + code)
    return [_valid(cap.to_xml(a)) for a in alerts]


def test_declaration_level_change_and_all_clear_export_valid_alerts(history: Any) -> None:
    code = incidents.declare(history, title="内涝", hazard="flood", level=3,
                             areas=[AreaInput(GRID), AreaInput("S01-C02-G01")])
    history.commit()
    [declared] = _export(history, code)
    assert declared.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert declared.findtext("cap:status", namespaces=NS) == "Actual"
    assert declared.findtext("cap:scope", namespaces=NS) == "Public"
    assert declared.findtext("cap:identifier", namespaces=NS).endswith(f":{code}:1")
    assert len(declared.findall("cap:info[1]/cap:area", NS)) == 2

    incidents.change_level(history, code, 2)
    incidents.close(history, code)
    history.commit()
    alerts = _export(history, code)
    assert [a.findtext("cap:msgType", namespaces=NS) for a in alerts] == [
        "Alert", "Update", "Update"]
    first, raised, ended = alerts
    ref = ",".join(first.findtext(f"cap:{t}", namespaces=NS)
                   for t in ("sender", "identifier", "sent"))
    assert raised.findtext("cap:references", namespaces=NS) == ref
    assert raised.findtext("cap:info/cap:severity", namespaces=NS) == "Severe"
    assert ended.findtext("cap:info/cap:responseType", namespaces=NS) == "AllClear"
    assert len(ended.findtext("cap:references", namespaces=NS).split()) == 2
    # Exporting again repeats the same identifiers and times.
    again = _export(history, code)
    assert [etree.tostring(a) for a in again] == [etree.tostring(a) for a in alerts]


def test_an_exercise_exports_status_exercise(history: Any) -> None:
    code = incidents.declare(history, title="演练", hazard="earthquake", level=2,
                             areas=[AreaInput(GRID)], exercise=True)
    history.commit()
    [alert] = _export(history, code)
    assert alert.findtext("cap:status", namespaces=NS) == "Exercise"
    assert alert.findtext("cap:info/cap:category", namespaces=NS) == "Geo"


@pytest.mark.parametrize(("xml", "reason"), [
    (b"<alert", "Malformed XML"),
    (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&x;</alert>', "DOCTYPE"),
    (b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier>'
     b"</alert>", "line 1"),
    (b"", "no CAP alert"),
])
def test_unsafe_or_invalid_xml_is_refused_with_the_reason(xml: bytes, reason: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        cap.parse(xml)
    assert reason in err.value.detail


def test_parse_accepts_our_own_export() -> None:
    root = cap.parse(cap.to_xml(_alert()))
    assert root.tag == f"{{{cap.CAP_NS}}}alert"
