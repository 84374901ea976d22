"""Schemas: users, tokens, audit."""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.api.schemas import Int, code_field, one_of
from app.core.vocabulary import Role


class UserIn(Schema):
    username = fields.String(required=True, validate=[
        validators.Length(min=2, max=64), validators.Regexp(r"^[A-Za-z0-9_.@\-]+$")])
    display_name = fields.String(load_default="", validate=validators.Length(max=100))
    password = fields.String(required=True, load_only=True,
                             validate=validators.Length(min=10, max=200))
    role = fields.String(required=True, validate=one_of(Role))
    area = code_field()
    locale = fields.String(load_default="zh", validate=validators.OneOf(["zh", "en"]))
    active = fields.Boolean(load_default=True)


UserPatch = UserIn(partial=True)  # PATCH: every field optional


class UserOut(Schema):
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    area = fields.String(attribute="area.code")
    locale = fields.String()
    active = fields.Boolean()
    last_login_at = fields.DateTime(allow_none=True)


class TokenRequest(Schema):
    username = fields.String(required=True, validate=validators.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True,
                             validate=validators.Length(min=1, max=200))
    name = fields.String(load_default="api", validate=validators.Length(min=1, max=100))


class TokenOut(Schema):
    token = fields.String()
    name = fields.String()
    expires_at = fields.DateTime(allow_none=True)
    username = fields.String()
    role = fields.String()


class TokenInfo(Schema):
    id = Int()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class TokensOut(Schema):
    items = fields.List(fields.Nested(TokenInfo))


class MeOut(Schema):
    username = fields.String()
    role = fields.String()
    area = fields.String()


class AuditOut(Schema):
    id = Int()
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    entity = fields.String()
    entity_id = fields.String()
    summary = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class AuditQuery(Schema):
    entity = fields.String(load_default=None, validate=validators.Length(max=50))
    entity_id = fields.String(load_default=None, validate=validators.Length(max=64))
    actor = fields.String(load_default=None, validate=validators.Length(max=100))
