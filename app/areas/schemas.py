"""Schemas: areas."""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.api.schemas import Int, Lat, Lon, code_field, count, name, one_of
from app.core.vocabulary import AreaLevel, Hazard


class PeopleMixin(Schema):
    population = count()
    households = count()
    elderly_alone = count()
    disabled = count()
    infants = count()
    pregnant = count()
    chronically_ill = count()


class AreaIn(PeopleMixin):
    code = code_field()
    level = fields.String(required=True, validate=one_of(AreaLevel))
    parent = fields.String(allow_none=True, load_default=None,
                           metadata={"description": "parent area code; none for a district"})
    name_zh = name()
    name_en = fields.String(load_default="", validate=validators.Length(max=200))
    lat = Lat()
    lon = Lon()
    hazards = fields.List(fields.String(validate=one_of(Hazard)), load_default=list)


class AreaPatch(PeopleMixin):
    name_zh = name(False)
    name_en = fields.String(validate=validators.Length(max=200))
    lat = Lat()
    lon = Lon()
    hazards = fields.List(fields.String(validate=one_of(Hazard)))


class AreaOut(Schema):
    code = fields.String()
    level = fields.String()
    parent = fields.Function(lambda a: a.parent.code if a.parent_id else None)
    name_zh = fields.String()
    name_en = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    population = Int()
    households = Int()
    elderly_alone = Int()
    disabled = Int()
    infants = Int()
    pregnant = Int()
    chronically_ill = Int()
    hazards = fields.List(fields.String())
    updated_at = fields.DateTime()


class AreaQuery(Schema):
    level = fields.String(load_default=None, validate=one_of(AreaLevel))
    parent = fields.String(load_default=None, validate=validators.Length(max=32))
