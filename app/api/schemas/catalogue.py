"""Schemas: items and norms."""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.api.schemas.common import Int, code_field, count, name, one_of
from app.models.enums import (
    ItemCategory,
    NormBasis,
    NormPeriod,
    PopulationGroup,
    ReserveMode,
    SourceStatus,
)


class ItemIn(Schema):
    code = code_field()
    name_zh = name()
    name_en = fields.String(load_default="", validate=validators.Length(max=200))
    category = fields.String(required=True, validate=one_of(ItemCategory))
    unit_zh = fields.String(required=True, validate=validators.Length(min=1, max=32))
    unit_en = fields.String(required=True, validate=validators.Length(min=1, max=32))
    shelf_life_days = Int(strict=True, allow_none=True,
                                     validate=validators.Range(min=1, max=36500))
    reserve_mode = fields.String(load_default="physical", validate=one_of(ReserveMode))
    weight_kg = fields.Float(load_default=1.0, validate=validators.Range(min=0, max=100_000))
    min_per_depot = count(load_default=0)


ItemPatch = ItemIn(partial=True)  # PATCH: every field optional


class ItemOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    category = fields.String()
    unit_zh = fields.String()
    unit_en = fields.String()
    shelf_life_days = Int(allow_none=True)
    reserve_mode = fields.String()
    weight_kg = fields.Float()
    min_per_depot = Int()


class ItemQuery(Schema):
    category = fields.String(load_default=None, validate=one_of(ItemCategory))


class NormIn(Schema):
    item = code_field()
    area = fields.String(allow_none=True, load_default=None,
                         metadata={"description": "local override for this area's subtree"})
    population_group = fields.String(load_default="all", validate=one_of(PopulationGroup))
    quantity = fields.Float(required=True, validate=validators.Range(min=0, min_inclusive=False,
                                                                     max=1_000_000))
    basis = fields.String(load_default="person", validate=one_of(NormBasis))
    people_n = Int(strict=True, allow_none=True,
                              validate=validators.Range(min=1, max=1_000_000))
    period = fields.String(load_default="day", validate=one_of(NormPeriod))
    source = fields.String(required=True, validate=validators.Length(min=1, max=500))
    status = fields.String(required=True, validate=one_of(SourceStatus))
    notes = fields.String(load_default="", validate=validators.Length(max=2000))
    active = fields.Boolean(load_default=True)


NormPatch = NormIn(partial=True)  # PATCH: every field optional


class NormOut(Schema):
    id = Int()
    item = fields.String(attribute="item.code")
    area = fields.Function(lambda n: n.area_code if hasattr(n, "area_code") else None)
    population_group = fields.String()
    quantity = fields.Float()
    basis = fields.String()
    people_n = Int(allow_none=True)
    period = fields.String()
    source = fields.String()
    status = fields.String()
    notes = fields.String()
    active = fields.Boolean()
