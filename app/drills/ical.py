"""iCalendar (RFC 5545) feeds of drills, for an area's subtree or a team.

Calendar apps subscribe to a feed and re-read it now and then: every drill keeps its UID
(`<code>@readygrid`) so an edit updates the event, and a cancelled drill stays in the feed
with STATUS:CANCELLED so subscribed calendars remove it.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from flask import has_app_context
from icalendar import Calendar, Event, vText
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core.i18n import _
from app.core.lookup import actor, scoped_by_code
from app.drills import services as drills
from app.drills.enums import DISCUSSION_BASED, DrillStatus
from app.drills.models import Drill
from app.resources.models import Team

PRODID = "-//ReadyGrid//Drill calendar//EN"
PAST_DAYS = 366  # a feed shows the last year and the planning horizon ahead
STATUS = {DrillStatus.PLANNED: "TENTATIVE", DrillStatus.CONFIRMED: "CONFIRMED",
          DrillStatus.DONE: "CONFIRMED", DrillStatus.CANCELLED: "CANCELLED"}


@contextmanager
def _in_language(lang: str) -> Iterator[None]:
    """Translate the feed's words into the feed's language, not the request's."""
    if not has_app_context():
        yield
        return
    from flask_babel import force_locale
    with force_locale(lang):
        yield


def calendar(session: Session, *, area: str | None = None, team: str | None = None,
             lang: str = "zh", base_url: str | None = None, today: date | None = None) -> bytes:
    """A VCALENDAR of the drills of an area's subtree, or of the drills a team takes part in
    (within the actor's scope); with neither, of the actor's whole scope."""
    lang = "zh" if lang.startswith("zh") else "en"
    area_obj = scoped_by_code(session, Area, area, "area") if area else None
    team_obj = scoped_by_code(session, Team, team, "team") if team else None
    if area_obj is None and team_obj is None and actor().area_id is not None:
        area_obj = session.get(Area, actor().area_id)
    today = today or drills.local_date(datetime.now(UTC))
    horizon = today + timedelta(days=366 * drills.MAX_SERIES_YEARS)
    rows = drills.between(session, today - timedelta(days=PAST_DAYS), horizon, area=area_obj,
                          team=team_obj, include_cancelled=True)
    with _in_language(lang):
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        owner = team_obj or area_obj
        name = owner.name(lang) if owner is not None else "ReadyGrid"
        cal.add("x-wr-calname", _("Drills: %(name)s", name=name))
        cal.add("x-wr-caldesc", _("Emergency drills planned in ReadyGrid."))
        cal.add("x-wr-timezone", drills.local_tz().key)
        cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vText("PT1H"))
        for drill in rows:
            cal.add_component(_event(drill, lang, base_url))
    body: bytes = cal.to_ical()
    return body


def _event(drill: Drill, lang: str, base_url: str | None) -> Event:
    event = Event()
    event.add("uid", f"{drill.code}@readygrid")
    stamp = (drill.updated_at or drill.created_at or datetime.now(UTC)).astimezone(UTC)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    if drill.created_at is not None:
        event.add("created", drill.created_at.astimezone(UTC))
    event.add("dtstart", drill.starts_at.astimezone(UTC))
    event.add("dtend", drill.ends_at.astimezone(UTC))
    event.add("summary", drill.title)
    venue = drill.venue(lang)
    if venue:
        event.add("location", venue)
    event.add("description", _description(drill, lang))
    event.add("status", STATUS[drill.status])
    event.add("transp", "OPAQUE")
    event.add("categories", [drill.exercise_type.label(lang), drill.hazard.label(lang),
                             drill.form.label(lang)])
    if base_url:
        event.add("url", f"{base_url.rstrip('/')}/drills/{drill.code}")
    return event


def _description(drill: Drill, lang: str) -> str:
    kind = (_("discussion-based") if drill.exercise_type in DISCUSSION_BASED
            else _("operations-based"))
    lines = [
        _("Type: %(type)s (%(form)s, %(kind)s)", type=drill.exercise_type.label(lang),
          form=drill.form.label(lang), kind=kind),
        _("Hazard: %(hazard)s", hazard=drill.hazard.label(lang)),
        _("Area: %(area)s (%(code)s)", area=drill.area.name(lang), code=drill.area.code),
    ]
    if drill.objectives:
        lines.append(_("Objectives:"))
        lines += [f"- {o}" for o in drill.objectives]
    if drill.teams:
        lines.append(_("Teams: %(teams)s", teams="; ".join(
            f"{t.name(lang)} ({t.code})" for t in drill.teams)))
    if drill.expected_participants:
        lines.append(_("Expected participants: %(n)s", n=drill.expected_participants))
    if drill.status is DrillStatus.CANCELLED:
        lines.append(_("This drill was cancelled."))
    lines.append(_("Drill %(code)s (%(status)s)", code=drill.code,
                   status=drill.status.label(lang)))
    return "\n".join(lines)
