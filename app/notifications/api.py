"""Notifications API: the caller's inbox (their areas, and district-wide notes) and marking read."""
from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from sqlalchemy import or_, select

from app.api.common import PROBLEM_RESPONSES, ListQuery, envelope, principal, subtree_prefix
from app.areas.models import Area
from app.core import db
from app.core.actor import Principal
from app.core.db import unit_of_work, utcnow
from app.core.errors import Forbidden, NotFound
from app.core.i18n import _
from app.core.listing import page_of
from app.core.vocabulary import Role
from app.notifications import schemas as s
from app.notifications.models import Notification

bp = APIBlueprint("notifications", __name__, url_prefix="/api/v1", tag="Notifications")
NotificationPage = envelope(s.NotificationOut, "NotificationPage")


class NotificationListQuery(ListQuery, s.NotificationQuery):
    pass


def _district_wide(who: Principal) -> bool:
    """Notifications without an area are for those who answer for the whole district."""
    if who.area_path == "":
        return True
    if who.role not in (Role.ADMIN, Role.COORDINATOR) or who.area_id is None:
        return False
    area = db.session().get(Area, who.area_id)
    return area is not None and area.parent_id is None


def _visible(who: Principal, prefix: str | None = None) -> Any:
    in_areas = Notification.area_id.in_(select(Area.id).where(
        Area.path.startswith(prefix or who.area_path)))
    if prefix is None and _district_wide(who):
        return or_(Notification.area_id.is_(None), in_areas)
    return in_areas


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
    who = principal()
    prefix = subtree_prefix(args["area"]) if args["area"] else None
    stmt = select(Notification).where(_visible(who, prefix))
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
    session = db.session()
    with unit_of_work(session):
        note = session.get(Notification, notification_id)
        if note is None:
            raise NotFound(_("No notification %(id)s.", id=notification_id),
                           field="notification_id")
        if session.scalar(select(Notification.id).where(
                Notification.id == notification_id, _visible(principal()))) is None:
            raise Forbidden(_("This record belongs to an area outside your responsibility."),
                            field="notification_id")
        if note.read_at is None:
            note.read_at = utcnow()
    return _notifications([note])[0]
