"""The incident log page: the timeline, situation reports, and the log as CSV and PDF."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.services import principal_of
from app.core import db
from app.core.downloads import download, pdf_response
from app.core.errors import DomainError
from app.incidents import log, log_export, sitreps
from app.incidents import services as incident_svc
from app.incidents.enums import IncidentStatus
from app.incidents.forms import SitrepForm
from app.incidents.log_models import COUNTS
from app.incidents.models import Incident
from app.web import locale
from app.web.common import may, partial, require
from app.web.forms import attach

bp = Blueprint("incident_log_web", __name__, template_folder="templates")
PER_PAGE = 100


def _lang() -> str:
    wanted = request.args.get("lang") or locale()
    return "zh" if wanted.startswith("zh") else "en"


def _area_choices(found: Incident) -> list[tuple[str, str]]:
    """The affected areas and their communities the signed-in user covers."""
    who = principal_of(current_user)
    areas = {a.code: a for ia in found.areas for a in (ia.area.unit(), ia.area)
             if who.covers(a.path)}
    blank = [("", _("The whole incident"))] if all(
        who.covers(ia.area.path) for ia in found.areas) else []
    return blank + [(code, f"{code} {a.name(locale())}") for code, a in sorted(areas.items())]


def _view(code: str, form: SitrepForm | None = None) -> dict[str, Any]:
    session = db.session()
    found = incident_svc.load(session, code)
    kind = request.args.get("kind")
    kinds = [kind] if kind in log.KINDS else None
    entries = list(reversed(log.incident_log(session, code, _lang(), kinds)))
    try:
        page = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        page = 1
    can_add = may("sitreps") and found.status is IncidentStatus.ACTIVE
    form = form or SitrepForm(prefix="sitrep", formdata=None)  # a fresh one after a success
    form.area.choices = _area_choices(found)
    return {"incident": found, "entries": entries[(page - 1) * PER_PAGE:page * PER_PAGE],
            "total": len(entries), "page": page, "pages": max(-(-len(entries) // PER_PAGE), 1),
            "kind": kinds[0] if kinds else "", "kinds": log.kind_labels(),
            "counts": log.count_labels(), "form": form, "can_add": can_add}


def _render(code: str, form: SitrepForm | None = None) -> str:
    context = _view(code, form)
    if partial():
        return render_template("incidents/_log.html", **context)
    return render_template("incidents/log.html", **context)


@bp.get("/incidents/<code>/log")
def incident_log(code: str) -> str:
    return _render(code)


@bp.post("/incidents/<code>/log")
def add_sitrep(code: str) -> Response | tuple[str, int] | str:
    require("sitreps")
    form = SitrepForm(prefix="sitrep")
    # scope first (a stranger learns nothing); the service checks the area again
    form.area.choices = _area_choices(incident_svc.load(db.session(), code))
    if form.validate():
        upload = form.photo.data
        given = sitreps.ReportInput(
            text=form.text.data or "", area=form.area.data or None,
            counts={k: getattr(form, k).data for k in COUNTS},
            photo=upload.read() if upload and getattr(upload, "filename", "") else None)
        try:
            sitreps.add(db.session(), code, given)
        except DomainError as exc:
            attach(form, exc)
        else:
            flash(_("The situation report is in the log."), "ok")
            if partial():
                return _render(code)
            return redirect(url_for(".incident_log", code=code))
    return _render(code, form), 422


@bp.get("/incidents/<code>/log.csv")
def log_csv(code: str) -> Response:
    name, text = log_export.log_csv(db.session(), code, _lang())
    return download(text.encode("utf-8"), name, "text/csv; charset=utf-8")


@bp.get("/incidents/<code>/log.pdf")
def log_pdf(code: str) -> Response:
    name, body = log_export.log_pdf(db.session(), code, _lang())
    return pdf_response(body, name)


@bp.get("/incidents/<code>/situation-reports/<int:report_id>/photo")
def photo(code: str, report_id: int) -> Response:
    body, kind = sitreps.photo(db.session(), code, report_id)
    return download(body, f"{code}-report-{report_id}.{kind.split('/')[1]}", kind, inline=True)
