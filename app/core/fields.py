"""Parse one input field (an enum value, a date) or raise ValidationFailed naming it."""
from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeVar

from app.core.errors import ValidationFailed
from app.core.i18n import _
from app.core.vocabulary import Labelled

E = TypeVar("E", bound=Labelled)


def enum_field(cls: type[E], raw: Any, field: str) -> E:
    """A value of cls from its code or either label (cls.parse), else a 422 naming field."""
    try:
        return cls.parse(str(raw))  # type: ignore[return-value]
    except ValueError as exc:
        raise ValidationFailed(str(exc), field=field) from None


def optional_enum_field(cls: type[E], raw: Any, field: str) -> E | None:
    return None if raw in (None, "") else enum_field(cls, raw, field)


def date_field(raw: Any, field: str) -> date:
    """A date from a date or an ISO string (YYYY-MM-DD), else a 422 naming field."""
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ValidationFailed(_("'%(value)s' is not a date (YYYY-MM-DD).", value=raw),
                               field=field) from None


def optional_date_field(raw: Any, field: str) -> date | None:
    return None if raw in (None, "") else date_field(raw, field)


#: a phone someone can ring: digits, with spaces, dashes and brackets, and an optional +
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,38}$")


def phone_field(raw: Any, field: str, *, required: bool = True) -> str:
    """A phone number, trimmed (empty allowed unless required), else a 422 naming field."""
    value = str(raw or "").strip()
    if (value or required) and not PHONE.match(value):
        raise ValidationFailed(_("A phone number of 6 to 40 digits, spaces or dashes."),
                               field=field)
    return value
