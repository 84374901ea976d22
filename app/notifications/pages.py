"""In-app notifications: the outbox as the signed-in user's list.

A user sees the notifications of the areas in their subtree, and the district-wide ones (no
area) when their own area is the district. Read or unread is one mark per notification,
shared by everyone who sees it (the outbox has no per-user state).
"""
from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from app.areas.models import Area
from app.core import db
from app.core.lookup import actor
from app.notifications import services as svc
from app.web import locale

bp = Blueprint("notifications_web", __name__, template_folder="templates")
PER_PAGE = 50
SHOW = ("all", "unread")


def reader() -> tuple[str, bool]:
    """The signed-in user's view of the notifications (the one rule in the service)."""
    return svc.reader(actor())


def _filters(source: Any) -> dict[str, Any]:
    """The list's filters from a query string or a posted form; unknown values are ignored."""
    show = source.get("show") if source.get("show") in SHOW else "all"
    kind = source.get("kind") if source.get("kind") in svc.KIND_GROUPS else ""
    try:
        page = max(int(source.get("page", 1)), 1)
    except (TypeError, ValueError):
        page = 1
    return {"show": show, "kind": kind, "page": page}


def _back(filters: dict[str, Any]) -> Response:
    args = {k: v for k, v in filters.items() if v and not (k == "show" and v == "all")
            and not (k == "page" and v == 1)}
    return redirect(url_for("notifications_web.index", **args))


@bp.get("/notifications")
def index() -> str:
    filters = _filters(request.args)
    path, district_wide = reader()
    stmt = svc.listing(path, district_wide, unread_only=filters["show"] == "unread",
                       group=filters["kind"] or None)
    session = db.session()
    total = int(session.scalar(select(func.count()).select_from(
        stmt.order_by(None).subquery())) or 0)
    pages = math.ceil(total / PER_PAGE) if total else 0
    page = min(filters["page"], max(pages, 1))
    items = session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    area_ids = {n.area_id for n in items if n.area_id is not None}
    areas = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(area_ids)))}
    lang = locale()
    kinds = [(key, _(label)) for key, (label, _kinds) in svc.KIND_GROUPS.items()]
    labels = dict(kinds)
    rows = [{"note": n, "subject": _subject(n, lang), "area": areas.get(n.area_id or 0),
             "kind": labels.get(svc.group_of(n.kind) or "", n.kind)} for n in items]
    args = {k: v for k, v in {**filters, "page": page}.items() if v}
    unread = svc.unread_count(session, path, district_wide)
    g.unread_notifications = unread  # the badge: no second count
    return render_template("notifications/list.html", rows=rows, kinds=kinds,
                           filters=filters, args=args,
                           page={"items": rows, "page": page, "pages": pages, "total": total},
                           unread=unread)


def _subject(note: Any, lang: str) -> str:
    if lang == "zh":
        return str(note.subject_zh or note.subject_en)
    return str(note.subject_en or note.subject_zh)


@bp.post("/notifications/<int:note_id>/read")
def mark_one(note_id: int) -> Response:
    path, district_wide = reader()
    session = db.session()
    svc.mark_read(session, path, district_wide, [note_id])
    session.commit()
    return _back(_filters(request.form))


@bp.post("/notifications/read-all")
def mark_all() -> Response:
    path, district_wide = reader()
    session = db.session()
    count = svc.mark_read(session, path, district_wide)
    session.commit()
    flash(_("%(count)s notification(s) marked as read.", count=count), "ok")
    return _back(_filters(request.form))
