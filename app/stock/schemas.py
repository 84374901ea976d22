"""Schemas: depots, lots, ledger."""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.api.schemas import INT_MAX, Int, Lat, Lon, code_field, count, name, one_of, quantity, text
from app.core.vocabulary import PopulationGroup, SourceStatus
from app.stock.enums import (
    ItemCategory,
    LedgerKind,
    NormBasis,
    NormPeriod,
    ReserveMode,
    VehicleKind,
)


class DepotIn(Schema):
    code = code_field()
    name_zh = name()
    name_en = fields.String(load_default="", validate=validators.Length(max=200))
    area = code_field()
    lat = Lat()
    lon = Lon()
    address = fields.String(load_default="", validate=validators.Length(max=300))
    contact_name = fields.String(load_default="", validate=validators.Length(max=100))
    contact_phone = fields.String(load_default="", validate=validators.Length(max=40))
    active = fields.Boolean(load_default=True)


DepotPatch = DepotIn(partial=True)  # PATCH: every field optional


class DepotOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    area = fields.String(attribute="area.code")
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    address = fields.String()
    contact_name = fields.String()
    contact_phone = fields.String()
    active = fields.Boolean()


class VehicleIn(Schema):
    code = code_field()
    plate = fields.String(required=True, validate=validators.Length(min=2, max=20))
    depot = code_field()
    kind = fields.String(required=True, validate=one_of(VehicleKind))
    payload_kg = fields.Float(required=True, validate=validators.Range(min=0, max=1e6))
    volume_m3 = fields.Float(required=True, validate=validators.Range(min=0, max=1e4))
    driver_name = fields.String(load_default="", validate=validators.Length(max=100))
    driver_phone = fields.String(load_default="", validate=validators.Length(max=40))
    active = fields.Boolean(load_default=True)


VehiclePatch = VehicleIn(partial=True)


class VehicleOut(Schema):
    code = fields.String()
    plate = fields.String()
    depot = fields.String(attribute="depot.code")
    kind = fields.String()
    payload_kg = fields.Float()
    volume_m3 = fields.Float()
    driver_name = fields.String()
    driver_phone = fields.String()
    active = fields.Boolean()


class ReserveIn(Schema):
    units = Int(strict=True, required=True, allow_none=True,
                validate=validators.Range(min=0, max=10_000_000), metadata={
                    "description": "the protected reserve; null: the minimum level again"})
    source = fields.String(load_default="", validate=validators.Length(max=300), metadata={
        "description": "where the figure comes from (required with units)"})


class ReserveOut(Schema):
    item = fields.String()
    units = Int()
    source = fields.String()
    note = fields.String()


class ReserveList(Schema):
    items = fields.List(fields.Nested(ReserveOut))


class MinimumIn(Schema):
    minimum = Int(strict=True, required=True, allow_none=True,
                             validate=validators.Range(min=0, max=100_000_000))


class LotOut(Schema):
    id = Int()
    depot = fields.String(attribute="depot.code")
    item = fields.String(attribute="item.code")
    lot_number = fields.String()
    expiry_date = fields.Date(allow_none=True)
    received_on = fields.Date()
    supplier = fields.String()
    on_hand = Int()
    reserved = Int()
    available = Int()


class LotQuery(Schema):
    depot = fields.String(load_default=None, validate=validators.Length(max=32))
    item = fields.String(load_default=None, validate=validators.Length(max=32))
    category = fields.String(load_default=None, validate=one_of(ItemCategory))
    expiring_within = Int(load_default=None,
                                     validate=validators.Range(min=0, max=3650),
                                     metadata={"description": "days; includes expired lots"})
    below_minimum = fields.Boolean(load_default=None, metadata={
        "description": "only lots of items that are below minimum in their depot"})
    include_empty = fields.Boolean(load_default=False)


class LedgerOut(Schema):
    id = Int()
    lot_id = Int()
    kind = fields.String()
    on_hand_delta = Int()
    reserved_delta = Int()
    on_hand_after = Int()
    reserved_after = Int()
    reason = fields.String()
    reference = fields.String()
    actor = fields.String()
    created_at = fields.DateTime()


class LedgerQuery(Schema):
    lot_id = Int(load_default=None, validate=validators.Range(min=1, max=INT_MAX))
    depot = fields.String(load_default=None, validate=validators.Length(max=32))
    item = fields.String(load_default=None, validate=validators.Length(max=32))
    kind = fields.String(load_default=None, validate=one_of(LedgerKind))
    reference = fields.String(load_default=None, validate=validators.Length(max=100))


class ReceiptIn(Schema):
    depot = code_field()
    item = code_field()
    quantity = quantity()
    lot_number = fields.String(required=True, validate=validators.Length(min=1, max=64))
    expiry_date = fields.Date(allow_none=True, load_default=None)
    received_on = fields.Date(allow_none=True, load_default=None)
    supplier = text(200)
    reference = text(100)
    reason = text()


class IssueIn(Schema):
    depot = code_field()
    item = code_field()
    quantity = quantity()
    lot_number = fields.String(load_default=None, allow_none=True,
                               validate=validators.Length(min=1, max=64))
    reference = text(100)
    reason = text()


class TransferIn(Schema):
    from_depot = code_field()
    to_depot = code_field()
    item = code_field()
    quantity = quantity()
    lot_number = fields.String(load_default=None, allow_none=True,
                               validate=validators.Length(min=1, max=64))
    reason = text()


class AdjustmentIn(Schema):
    lot_id = Int(strict=True, required=True, validate=validators.Range(min=1, max=INT_MAX))
    delta = Int(strict=True, required=True,
                           validate=validators.Range(min=-1_000_000_000, max=1_000_000_000))
    reason = fields.String(required=True, validate=validators.Length(min=1, max=500))


class WriteOffIn(Schema):
    lot_id = Int(strict=True, required=True, validate=validators.Range(min=1, max=INT_MAX))
    reason = text()


class ReservationIn(Schema):
    depot = code_field()
    item = code_field()
    quantity = quantity()
    reference = fields.String(required=True, validate=validators.Length(min=1, max=100))
    lot_number = fields.String(load_default=None, allow_none=True,
                               validate=validators.Length(min=1, max=64))
    needed_by = fields.Date(allow_none=True, load_default=None)
    reason = text()


class ReleaseIn(Schema):
    reference = fields.String(required=True, validate=validators.Length(min=1, max=100))
    reason = text()


class MovementOut(Schema):
    lot_id = Int()
    lot_number = fields.String()
    depot = fields.String()
    item = fields.String()
    quantity = Int()
    expiry_date = fields.Date(allow_none=True)
    on_hand_after = Int()
    reserved_after = Int()
    ledger_id = Int()


class MovementItem(MovementOut):
    """MovementOut when nested (registered once in the OpenAPI document)."""


class MovementsOut(Schema):
    movements = fields.List(fields.Nested(MovementItem))


class TransferOut(Schema):
    out = fields.List(fields.Nested(MovementItem))
    in_ = fields.List(fields.Nested(MovementItem), data_key="in", attribute="in")


class SummaryQuery(Schema):
    area = fields.String(load_default=None, validate=validators.Length(max=32))
    item = fields.String(load_default=None, validate=validators.Length(max=32))
    expiring_within = Int(load_default=30, validate=validators.Range(min=0,
                                                                                max=3650))
    by = fields.String(load_default=None, validate=validators.OneOf(["children"]),
                       metadata={"description": "'children': one block per child area"})


class SummaryRow(Schema):
    item = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    category = fields.String()
    unit_zh = fields.String()
    unit_en = fields.String()
    lots = Int()
    on_hand = Int()
    reserved = Int()
    available = Int()
    expired = Int()
    expiring_soon = Int()
    depots_below_minimum = Int()
    need_per_day = fields.Float(allow_none=True)
    need_per_event = fields.Float(allow_none=True)
    days_covered = fields.Float(allow_none=True)
    coverage = fields.Float(allow_none=True)


class SummaryOut(Schema):
    area = fields.String()
    level = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    population = Int()
    as_of = fields.String()
    expiring_within_days = Int()
    depots = Int()
    items = fields.List(fields.Nested(SummaryRow))
    children = fields.List(fields.Nested(lambda: SummaryOut()), load_default=None)


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


class VerifyOut(Schema):
    lots_checked = Int()
    mismatches = fields.List(fields.Dict())
    ok = fields.Boolean()
