"""CAP 1.2 alerts: export for incidents (declaration, level change, all-clear), import."""
from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema, fields, validators
from flask import Response, request, url_for

from app.api.common import PROBLEM_RESPONSES
from app.core import db
from app.core.db import utcnow
from app.core.errors import BadRequest, NotFound
from app.core.i18n import _
from app.incidents import services as incidents
from app.incidents.interop import cap
from app.incidents.interop.cap_files import CAP_MIMETYPE, alerts_for, sender_for, xml_response
from app.incidents.views import incident_dict

bp = APIBlueprint("alerts", __name__, url_prefix="/api/v1", tag="CAP alerts")
XML_TYPES = {"application/xml", "text/xml", "application/cap+xml"}
WRITE = {**PROBLEM_RESPONSES, 404: "Unknown code (problem)", 409: "Conflict (problem)",
         422: "Refused, with the reason (problem)"}


class DeclareDraftIn(Schema):
    level = fields.Integer(load_default=None, validate=validators.Range(min=1, max=4),
                           metadata={"description": "response level (1 highest); default: "
                                                    "the level read from the alert"})


@bp.get("/incidents/<code>/cap")
@bp.doc(summary="The incident's CAP 1.2 alerts: an index (declaration, level changes, "
                "all-clear)", responses={**PROBLEM_RESPONSES, 404: "Unknown code (problem)"})
def cap_index(code: str) -> dict[str, Any]:
    incident = incidents.load(db.session(), code)
    return {"incident": incident.code, "sender": sender_for(incident), "alerts": [
        {"number": a.number, "identifier": a.identifier, "msg_type": a.msg_type,
         "status": "Exercise" if a.exercise else "Actual", "kind": a.kind.value,
         "level": a.level, "sent": cap.cap_time(a.sent), "references": list(a.references),
         "url": url_for("alerts.cap_alert", code=incident.code, number=a.number)}
        for a in alerts_for(incident)]}


@bp.get("/incidents/<code>/cap/<int:number>.xml")
@bp.doc(summary="One CAP 1.2 alert of the incident as XML (application/cap+xml), valid "
                "against the OASIS schema",
        responses={200: {"description": "The <alert> document",
                         "content": {CAP_MIMETYPE: {"schema": {"type": "string"}}}},
                   **PROBLEM_RESPONSES, 404: "Unknown code or alert number (problem)"})
def cap_alert(code: str, number: int) -> Response:
    incident = incidents.load(db.session(), code)
    found = next((a for a in alerts_for(incident) if a.number == number), None)
    if found is None:
        raise NotFound(_("Incident %(code)s has no CAP alert %(n)s.", code=code, n=number),
                       field="number")
    return xml_response(found)


@bp.post("/alerts/import")
@bp.doc(summary="Import a CAP 1.2 alert as a draft incident (nothing is mobilised until it "
                "is declared)",
        description="Send the alert as the request body (Content-Type application/xml, "
                    "text/xml or application/cap+xml) or as the `file` field of a multipart "
                    "form. The alert is validated against the OASIS CAP 1.2 schema; DOCTYPEs "
                    "and entities are refused. Areas match by geocode or areaDesc (area "
                    "code, Chinese or English name); severity gives the level (Extreme → 1 "
                    ".. Minor → 4); event, eventCode or category gives the hazard. Refusals "
                    "are 422 problems whose detail names the reason.",
        responses={**WRITE, 201: "The draft incident"})
def import_alert() -> tuple[dict[str, Any], int]:
    raw = _body()
    session = db.session()
    code = cap.import_alert(session, raw, utcnow())
    body = incident_dict(incidents.load(session, code))
    return body, 201


def _body() -> bytes:
    upload = request.files.get("file")
    if upload is not None:
        return upload.read(cap.MAX_ALERT_BYTES + 1)
    if request.mimetype not in XML_TYPES:
        raise BadRequest(_("Send the CAP alert as application/xml, text/xml or a file "
                           "upload."), field="alert")
    return request.get_data(cache=False)


@bp.post("/incidents/<code>/declare")
@bp.input(DeclareDraftIn, arg_name="json_data")
@bp.doc(summary="Declare a draft incident (imported from a CAP alert): mobilise its level",
        responses=WRITE)
def declare_draft(code: str, json_data: dict[str, Any]) -> dict[str, Any]:
    session = db.session()
    incidents.declare_draft(session, code, json_data.get("level"))
    return incident_dict(incidents.load(session, code))
