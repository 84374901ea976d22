"""Schemas: shelters."""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.api.schemas.common import Int, Lat, Lon, code_field, count, name, one_of, text
from app.models.enums import (
    Facility,
    ShelterDuration,
    ShelterGrade,
    ShelterStatus,
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


class ShelterQuery(Schema):
    status = fields.String(load_default=None, validate=one_of(ShelterStatus))
    facility = fields.String(load_default=None, validate=one_of(Facility))


class OccupancyIn(Schema):
    occupancy = count(required=True)
    status = fields.String(load_default=None, allow_none=True, validate=one_of(ShelterStatus))
    note = text()
