"""Schemas: shelters."""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.api.schemas import Int, Lat, Lon, code_field, count, name, one_of, text
from app.resources.enums import (
    Availability,
    Facility,
    MobilisationScope,
    PointKind,
    ShelterDuration,
    ShelterGrade,
    ShelterStatus,
    Speciality,
    TeamKind,
)


class ShelterIn(Schema):
    code = code_field()
    name_zh = name()
    name_en = fields.String(load_default="", validate=validators.Length(max=200))
    area = code_field()
    lat = Lat()
    lon = Lon()
    address = fields.String(load_default="", validate=validators.Length(max=300))
    duration_class = fields.String(required=True, validate=one_of(ShelterDuration))
    grade = fields.String(required=True, validate=one_of(ShelterGrade))
    indoor = fields.Boolean(load_default=True)
    capacity = count(required=True)
    usable_area_m2 = fields.Float(allow_none=True, validate=validators.Range(min=0, max=1e8))
    facilities = fields.List(fields.String(validate=one_of(Facility)), load_default=list)
    status = fields.String(load_default="ready", validate=one_of(ShelterStatus))
    contact_name = fields.String(load_default="", validate=validators.Length(max=100))
    contact_phone = fields.String(load_default="", validate=validators.Length(max=40))


ShelterPatch = ShelterIn(partial=True)  # PATCH: every field optional


class ShelterOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    area = fields.String(attribute="area.code")
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    address = fields.String()
    duration_class = fields.String()
    grade = fields.String()
    indoor = fields.Boolean()
    capacity = Int()
    usable_area_m2 = fields.Float(allow_none=True)
    facilities = fields.List(fields.String())
    status = fields.String()
    occupancy = Int()
    free_places = Int()
    occupancy_updated_at = fields.DateTime(allow_none=True)
    contact_name = fields.String()
    contact_phone = fields.String()


class PointIn(Schema):
    code = code_field()
    area = code_field()
    kind = fields.String(required=True, validate=one_of(PointKind))
    depot = fields.String(load_default=None, allow_none=True,
                          metadata={"description": "with kind depot: one of the community's"})
    shelter = fields.String(load_default=None, allow_none=True,
                            metadata={"description": "with kind shelter"})
    address = fields.String(load_default="", validate=validators.Length(max=300))
    lat = Lat()
    lon = Lon()
    contact_name = fields.String(required=True, validate=validators.Length(min=1, max=100))
    contact_phone = fields.String(required=True, validate=validators.Length(min=1, max=40))
    notes = fields.String(load_default="", validate=validators.Length(max=2000))


PointPatch = PointIn(partial=True)


class PointOut(Schema):
    code = fields.String()
    area = fields.String(attribute="area.code")
    kind = fields.String()
    depot = fields.String(attribute="depot.code", allow_none=True)
    shelter = fields.String(attribute="shelter.code", allow_none=True)
    address = fields.String(attribute="full_address")
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    contact_name = fields.String()
    contact_phone = fields.String()
    notes = fields.String()


class ShelterQuery(Schema):
    status = fields.String(load_default=None, validate=one_of(ShelterStatus))
    facility = fields.String(load_default=None, validate=one_of(Facility))


class OccupancyIn(Schema):
    occupancy = count(required=True)
    status = fields.String(load_default=None, allow_none=True, validate=one_of(ShelterStatus))
    note = text()


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
