"""Field helpers shared by the request and response schemas."""
from __future__ import annotations

import re
from typing import Any

from apiflask import fields, validators

#: PostgreSQL's `integer`: no id, number or count the API accepts goes beyond it.
INT_MAX = 2**31 - 1
_DIGITS = re.compile(r"^[+-]?[0-9]{1,12}(\.0*)?$")


class Int(fields.Integer):
    """An integer as JSON Schema means one, the same way in every schema.

    3 and 3.0 are the same whole number and both load as 3; 2.5 and 2.5e-42 are refused (never
    truncated to 2 or 0), as are booleans. `strict=True` (JSON bodies) refuses strings; query
    strings take "3" (or "3.0"). Anything beyond PostgreSQL's integer range is refused before it
    can reach the database.
    """

    def _validated(self, value: Any) -> int:
        if value is True or value is False:
            raise self.make_error("invalid", input=value)
        if isinstance(value, float):
            if not value.is_integer():
                raise self.make_error("invalid", input=value)
            value = int(value)
        elif isinstance(value, str):
            if self.strict or not _DIGITS.match(value.strip()):
                raise self.make_error("invalid", input=value)
            value = int(float(value))
        elif not isinstance(value, int):
            raise self.make_error("invalid", input=value)
        if not -INT_MAX - 1 <= value <= INT_MAX:
            raise self.make_error("too_large", input=value)
        return int(value)


def one_of(enum: type) -> validators.OneOf:
    return validators.OneOf([m.value for m in enum])


def code_field(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=[
        validators.Length(min=1, max=32),
        validators.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
                          error="Use letters, digits, '-', '_' or '.'.")])


def count(**kw: object) -> fields.Integer:
    return Int(strict=True, validate=validators.Range(min=0, max=100_000_000), **kw)


def name(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=validators.Length(min=1, max=200))


Lat = lambda: fields.Float(allow_none=True, validate=validators.Range(min=-90, max=90))  # noqa: E731
Lon = lambda: fields.Float(allow_none=True, validate=validators.Range(min=-180, max=180))  # noqa: E731

def quantity() -> fields.Integer:
    return Int(strict=True, required=True,
                          validate=validators.Range(min=1, max=1_000_000_000))


def text(max_len: int = 500, **kw: object) -> fields.String:
    return fields.String(load_default="", validate=validators.Length(max=max_len), **kw)
