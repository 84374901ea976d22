"""Schemas: levels."""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.api.schemas.common import Int, one_of
from app.models.enums import (
    MobilisationScope,
    Speciality,
    TeamKind,
)


class RuleIO(Schema):
    team_kind = fields.String(required=True, validate=one_of(TeamKind))
    speciality = fields.String(allow_none=True, load_default=None, validate=one_of(Speciality))
    scope = fields.String(required=True, validate=one_of(MobilisationScope))


class ChecklistIO(Schema):
    position = Int(dump_only=True)
    text_zh = fields.String(required=True, validate=validators.Length(min=1, max=1000))
    text_en = fields.String(load_default="", validate=validators.Length(max=1000))
    owner = fields.String(load_default="", validate=validators.Length(max=100))


class LevelPatch(Schema):
    name_zh = fields.String(validate=validators.Length(min=1, max=50))
    name_en = fields.String(validate=validators.Length(min=1, max=50))
    colour = fields.String(validate=validators.Length(min=1, max=20))
    colour_hex = fields.String(validate=validators.Regexp(r"^#[0-9a-fA-F]{6}$"))
    severity_zh = fields.String(validate=validators.Length(min=1, max=50))
    severity_en = fields.String(validate=validators.Length(min=1, max=50))
    trigger_zh = fields.String(validate=validators.Length(max=4000))
    trigger_en = fields.String(validate=validators.Length(max=4000))
    rules = fields.List(fields.Nested(RuleIO))
    checklist = fields.List(fields.Nested(ChecklistIO))


class LevelOut(Schema):
    district = fields.String(attribute="district.code")
    level = Int()
    name_zh = fields.String()
    name_en = fields.String()
    colour = fields.String()
    colour_hex = fields.String()
    severity_zh = fields.String()
    severity_en = fields.String()
    trigger_zh = fields.String()
    trigger_en = fields.String()
    source = fields.String()
    rules = fields.List(fields.Nested(RuleIO))
    checklist = fields.List(fields.Nested(ChecklistIO))


class LevelItem(LevelOut):
    """LevelOut when nested."""


class LevelsOut(Schema):
    items = fields.List(fields.Nested(LevelItem))
