"""The district's clock: "today" is the date in the district's time zone, not the server's.

A server on UTC is still on yesterday for the first eight hours of a Shanghai day; expiry,
due dates and reminders must all follow the district's calendar.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


def local_tz() -> ZoneInfo:
    name = DEFAULT_TIMEZONE
    if has_app_context():
        name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", name)
    return ZoneInfo(name)


def local_date(moment: datetime) -> date:
    return moment.astimezone(local_tz()).date()


def district_today() -> date:
    return local_date(datetime.now(UTC))
