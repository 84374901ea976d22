"""Cell parsers for CSV imports: forgiving about format, strict about meaning."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from app.core.i18n import _
from app.core.vocabulary import Labelled

_LIST_SPLIT = re.compile(r"[;；、|]")
TRUE = {"1", "yes", "y", "true", "是", "有", "√"}
FALSE = {"0", "no", "n", "false", "否", "无", "×"}


def whole(value: str) -> int:
    """A whole number zero or more; accepts '1,200' and '1200.0'."""
    text = value.replace(",", "").replace("，", "")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(_("'%(value)s' is not a whole number.", value=value)) from None
    if not number.is_integer() or number < 0:
        raise ValueError(_("'%(value)s' is not a whole number zero or more.",
                           value=value))
    return int(number)


def positive(value: str) -> int:
    number = whole(value)
    if number <= 0:
        raise ValueError(_("Must be above zero."))
    return number


def decimal(value: str) -> float:
    try:
        return float(value.replace(",", ""))
    except ValueError:
        raise ValueError(_("'%(value)s' is not a number.", value=value)) from None


def latitude(value: str) -> float:
    number = decimal(value)
    if not -90 <= number <= 90:
        raise ValueError(_("A latitude lies between -90 and 90."))
    return number


def longitude(value: str) -> float:
    number = decimal(value)
    if not -180 <= number <= 180:
        raise ValueError(_("A longitude lies between -180 and 180."))
    return number


def day(value: str) -> date:
    """ISO dates, also with '/' or '.' separators, or 2027年3月1日."""
    text = re.sub(r"[年月/.]", "-", value.strip()).rstrip("日")
    try:
        y, m, d = (int(p) for p in text.split("-"))
        return date(y, m, d)
    except (ValueError, TypeError):
        raise ValueError(_("'%(value)s' is not a date (use YYYY-MM-DD).",
                           value=value)) from None


def flag(value: str) -> bool:
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(_("'%(value)s' is not yes/no.", value=value))


def enum(cls: type[Labelled]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        return cls.parse(value).value
    return parse


def enum_list(cls: type[Labelled]) -> Callable[[str], list[str]]:
    def parse(value: str) -> list[str]:
        return [cls.parse(v).value for v in _LIST_SPLIT.split(value) if v.strip()]
    return parse


def code(value: str) -> str:
    text = value.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}", text):
        raise ValueError(_("'%(value)s' is not a code (letters, digits, '-', '_', '.'; at most "
                           "32).", value=value))
    return text


def qualifications(value: str) -> list[dict[str, object]]:
    """'急救员:2027-05-01; 水上救生' -> [{name, expires_on}, ...]."""
    out: list[dict[str, object]] = []
    for part in _LIST_SPLIT.split(value):
        if not part.strip():
            continue
        name, _, expiry = part.replace("：", ":").partition(":")
        out.append({"name": name.strip(), "expires_on": day(expiry) if expiry.strip() else None})
    return out
