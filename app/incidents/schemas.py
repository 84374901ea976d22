"""Schemas: incidents, plans and dispatch orders."""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.api.schemas import Int, code_field, count, one_of, text
from app.core.vocabulary import Hazard


class AffectedAreaIn(Schema):
    area = code_field()
    affected = count(load_default=None, allow_none=True,
                     metadata={"description": "default: the area's population"})
    displaced = count(load_default=None, allow_none=True,
                      metadata={"description": "default: the hazard's displaced share"})
    need_access = count(load_default=None, allow_none=True,
                        metadata={"description": "wheelchair users among the displaced"})


class IncidentIn(Schema):
    title = fields.String(load_default="", validate=validators.Length(max=200))
    hazard = fields.String(required=True, validate=one_of(Hazard))
    level = Int(strict=True, required=True, validate=validators.Range(min=1, max=4))
    areas = fields.List(fields.Nested(AffectedAreaIn), required=True,
                        validate=validators.Length(min=1, max=20_000))
    duration_days = Int(strict=True, load_default=3,
                                   validate=validators.Range(min=1, max=365))
    started_at = fields.AwareDateTime(load_default=None, allow_none=True)
    exercise = fields.Boolean(load_default=False)
    max_distance_km = fields.Float(load_default=None, allow_none=True,
                                   validate=validators.Range(min=0.1, max=1000))
    shelter_distance_km = fields.Float(load_default=None, allow_none=True,
                                       validate=validators.Range(min=0.1, max=200))
    notes = text(2000)
    plan = fields.Boolean(load_default=True, metadata={"description": "make the first plan"})


class LevelIn(Schema):
    level = Int(strict=True, required=True, validate=validators.Range(min=1, max=4))


class ReleaseIn(Schema):
    depot = fields.String(load_default=None, allow_none=True,
                          validate=validators.Length(min=1, max=32), metadata={
                              "description": "a depot code; omitted: every depot"})
    reason = fields.String(required=True, validate=validators.Length(min=1, max=500))


class AreasIn(Schema):
    areas = fields.List(fields.Nested(AffectedAreaIn), required=True,
                        validate=validators.Length(min=1, max=20_000))


class TaskIn(Schema):
    done = fields.Boolean(load_default=True)


class RouteIn(Schema):
    depot = code_field()
    area = code_field()


class PlanIn(Schema):
    """Route rules for the new plan; with neither list, the newest plan's rules are kept."""
    pinned = fields.List(fields.Nested(RouteIn), load_default=None,
                         validate=validators.Length(max=1000))
    forbidden = fields.List(fields.Nested(RouteIn), load_default=None,
                            validate=validators.Length(max=1000))


class CloseIn(Schema):
    reason = text(500)
    release_open = fields.Boolean(load_default=False, metadata={
        "description": "cancel every open dispatch order (releasing its stock) in the same "
                       "transaction; without it, open orders refuse the close (409)"})


class BulkIn(Schema):
    action = fields.String(required=True, validate=validators.OneOf(["deliver", "cancel"]))
    dispatches = fields.List(fields.String(validate=validators.Length(min=1, max=40)),
                             required=True, validate=validators.Length(min=1, max=5000),
                             metadata={"description": "dispatch order codes of the incident"})
    reason = text(500)
    preview = fields.Boolean(load_default=False, metadata={
        "description": "only say what would move: nothing changes"})


class ReceiptLineIn(Schema):
    item = code_field()
    received = Int(strict=True, required=True, validate=validators.Range(min=0),
                   metadata={"description": "whole units counted on arrival (at most sent)"})


class ReceiptIn(Schema):
    """What arrived, per item; an item left out arrived in full. A difference needs a reason."""
    lines = fields.List(fields.Nested(ReceiptLineIn), load_default=list,
                        validate=validators.Length(max=1000))
    reason = text(500)


class IncidentQuery(Schema):
    status = fields.String(load_default=None,
                           validate=validators.OneOf(["draft", "active", "closed"]))


class DispatchQuery(Schema):
    incident = fields.String(load_default=None, validate=validators.Length(max=40))
    status = fields.String(load_default=None,
                           validate=validators.OneOf(["reserved", "dispatched", "delivered",
                                                       "cancelled"]))

