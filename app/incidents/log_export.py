"""The incident log as files: a CSV (spreadsheet-safe) and an ICS-214-like PDF, one language each.

The PDF renders from a plain dict with WeasyPrint, the contingency renderer's way: the
system's Noto CJK fonts, and a fetcher that reads nothing but data: URLs (photos are embedded).
"""
from __future__ import annotations

import base64
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.contingency.pdf import SVG_FONTS, LocalOnlyFetcher
from app.core import csvfile
from app.core.clock import local_tz
from app.core.csvfile import Column
from app.core.db import utcnow
from app.core.i18n import _
from app.core.lookup import actor
from app.incidents import log
from app.incidents import services as incidents
from app.incidents.log_models import SituationPhoto, SituationReport

TEMPLATES = Path(__file__).resolve().parent / "templates" / "log_pdf"
ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def local(moment: datetime | None) -> str:
    """A moment in the district's time zone, to the minute."""
    return "" if moment is None else moment.astimezone(local_tz()).strftime("%Y-%m-%d %H:%M")


def _columns() -> list[Column]:
    return [Column(key, zh, export=itemgetter(key)) for key, zh in (
        ("time", "时间"), ("who", "人员"), ("kind", "类别"), ("entry", "记录"),
        ("reference", "编号"), ("details", "详情"))]


def log_csv(session: Session, code: str, lang: str = "zh") -> tuple[str, str]:
    """(file name, CSV text) of the incident's log, oldest first, in one language."""
    lang = "zh" if lang.startswith("zh") else "en"
    entries = log.incident_log(session, code, lang)
    with log.in_language(lang):
        labels = log.kind_labels()
    rows = [{"time": local(e.at), "who": e.who, "kind": labels[e.kind], "entry": e.text,
             "reference": e.ref, "details": "; ".join(e.details)} for e in entries]
    text = csvfile.write(_columns(), rows, lang=lang, hxl=False)
    return f"{code}-log-{lang}.csv", "\ufeff" + text


def context(session: Session, code: str, lang: str) -> dict[str, Any]:
    """The PDF's plain data: the ICS-214 header, the timeline and the reports with photos."""
    incident = incidents.load(session, code)
    entries = log.incident_log(session, code, lang)
    photos = _photos(session, incident.id)
    with log.in_language(lang):
        labels, counts = log.kind_labels(), log.count_labels()
        entry_rows = [{"at": local(e.at), "who": e.who, "kind": labels[e.kind], "text": e.text,
                       "ref": "" if e.kind in ("sitrep", "notice") or e.ref in e.text else e.ref,
                       "details": _shortened(e.details)} for e in entries]
    return {
        "incident": {"code": incident.code, "title": incident.title,
                     "exercise": incident.exercise},
        "period": [local(incident.started_at), local(incident.closed_at or utcnow())],
        "prepared_by": actor().label, "prepared_at": local(utcnow()),
        "entries": entry_rows,
        "reports": [{"at": local(e.at), "who": e.who, "text": e.text,
                     "area": (e.report or {}).get("area") or "",
                     "counts": [(counts[k], f"{v:,}") for k, v in
                                (e.report or {}).get("counts", {}).items()],
                     "photo": photos.get(int(e.ref))} for e in entries if e.kind == "sitrep"],
    }


PDF_DETAILS = 12  # detail lines a PDF row shows; the CSV and the page keep them all


def _shortened(details: list[str]) -> list[str]:
    if len(details) <= PDF_DETAILS:
        return details
    return [*details[:PDF_DETAILS], _("… and %(n)s more", n=len(details) - PDF_DETAILS)]


def _photos(session: Session, incident_id: int) -> dict[int, str]:
    """The incident's photos as data: URLs (the PDF is the only reader that loads them)."""
    rows = session.execute(select(SituationPhoto.report_id, SituationPhoto.content_type,
                                  SituationPhoto.data).join(
        SituationReport, SituationReport.id == SituationPhoto.report_id).where(
        SituationReport.incident_id == incident_id))
    return {rid: f"data:{kind};base64,{base64.b64encode(bytes(data)).decode('ascii')}"
            for rid, kind, data in rows}


def headings() -> dict[str, str]:
    """The PDF's fixed words, in the current language."""
    return {"title": _("Incident log (ICS 214)"), "incident": _("Incident"),
            "period": _("Operational period"), "prepared_by": _("Prepared by"),
            "prepared_at": _("Prepared at"), "exercise": _("EXERCISE"),
            "timeline": _("Activity log"), "time": _("Time"), "who": _("By"),
            "kind": _("Kind"), "entry": _("Entry"), "reports": _("Situation reports"),
            "area": _("Area"), "none": _("None yet."), "page": _("Page %(n)s of %(total)s")}


def log_pdf(session: Session, code: str, lang: str = "zh") -> tuple[str, bytes]:
    """(file name, PDF bytes) of the incident's log in one language."""
    from weasyprint import HTML

    lang = "zh" if lang.startswith("zh") else "en"
    data = context(session, code, lang)
    with log.in_language(lang):
        words = headings()
    page = words["page"].replace("%(n)s", '" counter(page) "').replace(
        "%(total)s", '" counter(pages) "')
    html = ENV.get_template("log.html").render(c=data, h=words, lang=lang, fonts=SVG_FONTS,
                                               page_content=f'"{page}"')
    pdf = HTML(string=html, base_url=TEMPLATES.as_uri() + "/",
               url_fetcher=LocalOnlyFetcher()).write_pdf()
    return f"{code}-log-{lang}.pdf", bytes(pdf)
