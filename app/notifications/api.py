"""Notifications API: the caller's inbox (their areas, and district-wide notes) and marking read."""
from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from sqlalchemy import select

from app.api.common import PROBLEM_RESPONSES, ListQuery, envelope, principal, subtree_prefix
from app.areas.models import Area
from app.core import db
from app.core.listing import page_of
from app.notifications import schemas as s
from app.notifications import services as notifications
from app.notifications.models import Notification

bp = APIBlueprint("notifications", __name__, url_prefix="/api/v1", tag="Notifications")
NotificationPage = envelope(s.NotificationOut, "NotificationPage")


class NotificationListQuery(ListQuery, s.NotificationQuery):
    pass


def _notifications(rows: list[Notification]) -> list[dict[str, Any]]:
    ids = {n.area_id for n in rows if n.area_id is not None}
    codes = {area_id: code for area_id, code in db.session().execute(
        select(Area.id, Area.code).where(Area.id.in_(ids)))} if ids else {}
    return [{"id": n.id, "kind": n.kind, "area": codes.get(n.area_id or 0),
             "subject_zh": n.subject_zh, "subject_en": n.subject_en, "body": n.body,
             "created_at": n.created_at, "read_at": n.read_at} for n in rows]


@bp.get("/notifications")
@bp.input(NotificationListQuery, location="query", arg_name="args")
@bp.output(NotificationPage)
@bp.doc(summary="Notifications for your areas (reminders and findings), newest first",
        responses=PROBLEM_RESPONSES)
def list_notifications(args: dict[str, Any]) -> dict[str, Any]:
    prefix = subtree_prefix(args["area"]) if args["area"] else None
    stmt = notifications.listing(*notifications.reader(principal()), within=prefix).order_by(None)
    if args["unread"] is not None:
        stmt = stmt.where(Notification.read_at.is_(None) if args["unread"]
                          else Notification.read_at.is_not(None))
    if args["kind"]:
        stmt = stmt.where(Notification.kind == args["kind"])
    page = page_of(stmt, args, {"created_at": Notification.created_at, "id": Notification.id,
                                "kind": Notification.kind},
                   [Notification.subject_zh, Notification.subject_en], "-created_at")
    page["items"] = _notifications(page["items"])
    return page


@bp.post("/notifications/<int:notification_id>/read")
@bp.output(s.NotificationOut)
@bp.doc(summary="Mark a notification read (for everyone in its area)",
        responses={**PROBLEM_RESPONSES, 404: "Unknown notification (problem)"})
def mark_read(notification_id: int) -> dict[str, Any]:
    note = notifications.mark_one(db.session(), principal(), notification_id)
    return _notifications([note])[0]
