"""A drill series: the dates an RFC 5545 recurrence rule produces, capped and checked."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrulestr

from app.core.clock import local_tz
from app.core.errors import ValidationFailed
from app.core.i18n import _

MAX_OCCURRENCES = 60  # a series longer than this is a typo (FREQ=DAILY without COUNT)
MAX_SERIES_YEARS = 3


@dataclass(frozen=True)
class Occurrences:
    """The start times an RRULE produces from a first start, capped and checked."""

    starts: list[datetime]
    rule: str


def occurrences(rule: str, first: datetime) -> Occurrences:
    """Expand an RRULE (with or without the 'RRULE:' prefix) in local time."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        return Occurrences([first], "")
    local_first = first.astimezone(local_tz()).replace(tzinfo=None)
    try:
        parsed = rrulestr(text, dtstart=local_first)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(_("The recurrence rule is not valid RFC 5545: %(error)s",
                                 error=str(exc)), field="rrule") from None
    limit = local_first + timedelta(days=366 * MAX_SERIES_YEARS)
    starts = []
    for moment in parsed.xafter(local_first, count=MAX_OCCURRENCES + 1, inc=True):
        if moment > limit:
            break
        starts.append(moment)
    if not starts:
        raise ValidationFailed(_("The recurrence rule produces no date."), field="rrule")
    if len(starts) > MAX_OCCURRENCES or ("COUNT" not in text.upper()
                                         and "UNTIL" not in text.upper()):
        raise ValidationFailed(_("A recurrence needs COUNT or UNTIL and at most %(n)s dates "
                                 "within %(years)s years.", n=MAX_OCCURRENCES,
                                 years=MAX_SERIES_YEARS), field="rrule")
    tz = local_tz()
    return Occurrences([s.replace(tzinfo=tz).astimezone(UTC) for s in starts], text)
