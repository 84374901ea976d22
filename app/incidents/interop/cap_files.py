"""An incident's CAP alerts as files, for the API and the incident page alike."""
from __future__ import annotations

from flask import Response, current_app, url_for

from app.core import db
from app.core.downloads import download
from app.incidents import sitreps
from app.incidents.interop import cap
from app.incidents.models import Incident

CAP_MIMETYPE = "application/cap+xml"


def sender_for(incident: Incident) -> str:
    """The alert sender: the configured CAP_SENDER, else the district's own address."""
    return cap.default_sender(incident.district.code, current_app.config.get("CAP_SENDER"))


def alerts_for(incident: Incident) -> list[cap.AlertData]:
    """Every published step of the incident, linking back to its page; Update alerts note the
    situation reports made since the alert before."""
    web = url_for("incidents_web.incident", code=incident.code, _external=True)
    reports = [(r["at"], f"{cap.cap_time(r['at'])[:16].replace('T', ' ')} "
                         f"{r['area'] or incident.code}: {r['text']}")
               for r in sitreps.reports(db.session(), incident.id)]
    return cap.alerts_of(incident, sender_for(incident), web, reports)


def xml_response(alert: cap.AlertData) -> Response:
    """One alert as an XML file."""
    return download(cap.to_xml(alert), f"{alert.incident_code}-cap-{alert.number}.xml",
                    CAP_MIMETYPE)
