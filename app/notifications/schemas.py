"""Notification schemas of the API."""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.api.schemas import Int


class NotificationQuery(Schema):
    unread = fields.Boolean(load_default=None, metadata={"description": "true: only unread"})
    kind = fields.String(load_default=None, validate=validators.Length(max=40))


class NotificationOut(Schema):
    id = Int()
    kind = fields.String()
    area = fields.String(allow_none=True, metadata={"description": "null: the whole district"})
    subject_zh = fields.String()
    subject_en = fields.String()
    body = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
