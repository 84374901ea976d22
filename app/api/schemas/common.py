"""Field helpers shared by the request and response schemas."""
from __future__ import annotations

from apiflask import fields, validators


def one_of(enum: type) -> validators.OneOf:
    return validators.OneOf([m.value for m in enum])


def code_field(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=[
        validators.Length(min=1, max=32),
        validators.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
                          error="Use letters, digits, '-', '_' or '.'.")])


def count(**kw: object) -> fields.Integer:
    return fields.Integer(strict=True, validate=validators.Range(min=0, max=100_000_000), **kw)


def name(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=validators.Length(min=1, max=200))


Lat = lambda: fields.Float(allow_none=True, validate=validators.Range(min=-90, max=90))  # noqa: E731
Lon = lambda: fields.Float(allow_none=True, validate=validators.Range(min=-180, max=180))  # noqa: E731

def quantity() -> fields.Integer:
    return fields.Integer(strict=True, required=True,
                          validate=validators.Range(min=1, max=1_000_000_000))


def text(max_len: int = 500, **kw: object) -> fields.String:
    return fields.String(load_default="", validate=validators.Length(max=max_len), **kw)
