"""Schemas: teams."""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.api.schemas.common import Int, Lat, Lon, code_field, name, one_of
from app.models.enums import (
    Availability,
    Speciality,
    TeamKind,
)


class QualificationIO(Schema):
    name = fields.String(required=True, validate=validators.Length(min=1, max=100))
    expires_on = fields.Date(allow_none=True, load_default=None)


class MemberIn(Schema):
    name = fields.String(required=True, validate=validators.Length(min=1, max=100))
    role = fields.String(load_default="", validate=validators.Length(max=100))
    phone = fields.String(load_default="", validate=validators.Length(max=40))
    active = fields.Boolean(load_default=True)
    qualifications = fields.List(fields.Nested(QualificationIO), load_default=list)


MemberPatch = MemberIn(partial=True)  # PATCH: every field optional


class MemberOut(Schema):
    id = Int()
    team = fields.String(attribute="team.code")
    name = fields.String()
    role = fields.String()
    phone = fields.String()
    active = fields.Boolean()
    qualifications = fields.List(fields.Nested(QualificationIO))


class TeamIn(Schema):
    code = code_field()
    name_zh = name()
    name_en = fields.String(load_default="", validate=validators.Length(max=200))
    kind = fields.String(required=True, validate=one_of(TeamKind))
    speciality = fields.String(load_default="general", validate=one_of(Speciality))
    home_area = code_field()
    base_lat = Lat()
    base_lon = Lon()
    base_address = fields.String(load_default="", validate=validators.Length(max=300))
    availability = fields.String(load_default="available", validate=one_of(Availability))
    contact_phone = fields.String(load_default="", validate=validators.Length(max=40))


TeamPatch = TeamIn(partial=True)  # PATCH: every field optional


class TeamOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    kind = fields.String()
    speciality = fields.String()
    home_area = fields.String(attribute="home_area.code")
    base_lat = fields.Float(allow_none=True)
    base_lon = fields.Float(allow_none=True)
    base_address = fields.String()
    availability = fields.String()
    contact_phone = fields.String()
    member_count = fields.Function(lambda t: len(t.members))


class MemberItem(MemberOut):
    """MemberOut when nested."""


class TeamDetailOut(TeamOut):
    members = fields.List(fields.Nested(MemberItem))


class TeamQuery(Schema):
    kind = fields.String(load_default=None, validate=one_of(TeamKind))
    speciality = fields.String(load_default=None, validate=one_of(Speciality))
    availability = fields.String(load_default=None, validate=one_of(Availability))
