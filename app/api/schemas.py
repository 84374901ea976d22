"""Request and response schemas. References to other records are by code."""
from __future__ import annotations

from apiflask import Schema, fields, validators

from app.models.enums import (
    AreaLevel,
    Availability,
    Facility,
    Hazard,
    ItemCategory,
    LedgerKind,
    MobilisationScope,
    NormBasis,
    NormPeriod,
    PopulationGroup,
    ReserveMode,
    Role,
    ShelterDuration,
    ShelterGrade,
    ShelterStatus,
    SourceStatus,
    Speciality,
    TeamKind,
)


def one_of(enum: type) -> validators.OneOf:
    return validators.OneOf([m.value for m in enum])


def code_field(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=[
        validators.Length(min=1, max=32),
        validators.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
                          error="Use letters, digits, '-', '_' or '.'.")])


def count(**kw: object) -> fields.Integer:
    return fields.Integer(strict=True, validate=validators.Range(min=0, max=100_000_000), **kw)


def name(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=validators.Length(min=1, max=200))


Lat = lambda: fields.Float(allow_none=True, validate=validators.Range(min=-90, max=90))  # noqa: E731
Lon = lambda: fields.Float(allow_none=True, validate=validators.Range(min=-180, max=180))  # noqa: E731


# ---- areas -------------------------------------------------------------------------------
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
    population = fields.Integer()
    households = fields.Integer()
    elderly_alone = fields.Integer()
    disabled = fields.Integer()
    infants = fields.Integer()
    pregnant = fields.Integer()
    chronically_ill = fields.Integer()
    hazards = fields.List(fields.String())
    updated_at = fields.DateTime()


class AreaQuery(Schema):
    level = fields.String(load_default=None, validate=one_of(AreaLevel))
    parent = fields.String(load_default=None, validate=validators.Length(max=32))


# ---- items and norms ---------------------------------------------------------------------
class ItemIn(Schema):
    code = code_field()
    name_zh = name()
    name_en = fields.String(load_default="", validate=validators.Length(max=200))
    category = fields.String(required=True, validate=one_of(ItemCategory))
    unit_zh = fields.String(required=True, validate=validators.Length(min=1, max=32))
    unit_en = fields.String(required=True, validate=validators.Length(min=1, max=32))
    shelf_life_days = fields.Integer(strict=True, allow_none=True,
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
    shelf_life_days = fields.Integer(allow_none=True)
    reserve_mode = fields.String()
    weight_kg = fields.Float()
    min_per_depot = fields.Integer()


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
    people_n = fields.Integer(strict=True, allow_none=True,
                              validate=validators.Range(min=1, max=1_000_000))
    period = fields.String(load_default="day", validate=one_of(NormPeriod))
    source = fields.String(required=True, validate=validators.Length(min=1, max=500))
    status = fields.String(required=True, validate=one_of(SourceStatus))
    notes = fields.String(load_default="", validate=validators.Length(max=2000))
    active = fields.Boolean(load_default=True)


NormPatch = NormIn(partial=True)  # PATCH: every field optional


class NormOut(Schema):
    id = fields.Integer()
    item = fields.String(attribute="item.code")
    area = fields.Function(lambda n: n.area_code if hasattr(n, "area_code") else None)
    population_group = fields.String()
    quantity = fields.Float()
    basis = fields.String()
    people_n = fields.Integer(allow_none=True)
    period = fields.String()
    source = fields.String()
    status = fields.String()
    notes = fields.String()
    active = fields.Boolean()


# ---- depots, lots, ledger ----------------------------------------------------------------
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


class MinimumIn(Schema):
    minimum = fields.Integer(strict=True, required=True, allow_none=True,
                             validate=validators.Range(min=0, max=100_000_000))


class LotOut(Schema):
    id = fields.Integer()
    depot = fields.String(attribute="depot.code")
    item = fields.String(attribute="item.code")
    lot_number = fields.String()
    expiry_date = fields.Date(allow_none=True)
    received_on = fields.Date()
    supplier = fields.String()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()


class LotQuery(Schema):
    depot = fields.String(load_default=None, validate=validators.Length(max=32))
    item = fields.String(load_default=None, validate=validators.Length(max=32))
    category = fields.String(load_default=None, validate=one_of(ItemCategory))
    expiring_within = fields.Integer(load_default=None,
                                     validate=validators.Range(min=0, max=3650),
                                     metadata={"description": "days; includes expired lots"})
    below_minimum = fields.Boolean(load_default=None, metadata={
        "description": "only lots of items that are below minimum in their depot"})
    include_empty = fields.Boolean(load_default=False)


class LedgerOut(Schema):
    id = fields.Integer()
    lot_id = fields.Integer()
    kind = fields.String()
    on_hand_delta = fields.Integer()
    reserved_delta = fields.Integer()
    on_hand_after = fields.Integer()
    reserved_after = fields.Integer()
    reason = fields.String()
    reference = fields.String()
    actor = fields.String()
    created_at = fields.DateTime()


class LedgerQuery(Schema):
    lot_id = fields.Integer(load_default=None, validate=validators.Range(min=1))
    depot = fields.String(load_default=None, validate=validators.Length(max=32))
    item = fields.String(load_default=None, validate=validators.Length(max=32))
    kind = fields.String(load_default=None, validate=one_of(LedgerKind))
    reference = fields.String(load_default=None, validate=validators.Length(max=100))


def quantity() -> fields.Integer:
    return fields.Integer(strict=True, required=True,
                          validate=validators.Range(min=1, max=1_000_000_000))


def text(max_len: int = 500, **kw: object) -> fields.String:
    return fields.String(load_default="", validate=validators.Length(max=max_len), **kw)


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
    lot_id = fields.Integer(strict=True, required=True, validate=validators.Range(min=1))
    delta = fields.Integer(strict=True, required=True,
                           validate=validators.Range(min=-1_000_000_000, max=1_000_000_000))
    reason = fields.String(required=True, validate=validators.Length(min=1, max=500))


class WriteOffIn(Schema):
    lot_id = fields.Integer(strict=True, required=True, validate=validators.Range(min=1))
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
    lot_id = fields.Integer()
    lot_number = fields.String()
    depot = fields.String()
    item = fields.String()
    quantity = fields.Integer()
    expiry_date = fields.Date(allow_none=True)
    on_hand_after = fields.Integer()
    reserved_after = fields.Integer()
    ledger_id = fields.Integer()


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
    expiring_within = fields.Integer(load_default=30, validate=validators.Range(min=0,
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
    lots = fields.Integer()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()
    expired = fields.Integer()
    expiring_soon = fields.Integer()
    depots_below_minimum = fields.Integer()
    need_per_day = fields.Float(allow_none=True)
    need_per_event = fields.Float(allow_none=True)
    days_covered = fields.Float(allow_none=True)
    coverage = fields.Float(allow_none=True)


class SummaryOut(Schema):
    area = fields.String()
    level = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    population = fields.Integer()
    as_of = fields.String()
    expiring_within_days = fields.Integer()
    depots = fields.Integer()
    items = fields.List(fields.Nested(SummaryRow))
    children = fields.List(fields.Nested(lambda: SummaryOut()), load_default=None)


# ---- shelters ----------------------------------------------------------------------------
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
    capacity = fields.Integer()
    usable_area_m2 = fields.Float(allow_none=True)
    facilities = fields.List(fields.String())
    status = fields.String()
    occupancy = fields.Integer()
    free_places = fields.Integer()
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


# ---- teams -------------------------------------------------------------------------------
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
    id = fields.Integer()
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


# ---- levels ------------------------------------------------------------------------------
class RuleIO(Schema):
    team_kind = fields.String(required=True, validate=one_of(TeamKind))
    speciality = fields.String(allow_none=True, load_default=None, validate=one_of(Speciality))
    scope = fields.String(required=True, validate=one_of(MobilisationScope))


class ChecklistIO(Schema):
    position = fields.Integer(dump_only=True)
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
    level = fields.Integer()
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


# ---- users, tokens, audit ----------------------------------------------------------------
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


class MeOut(Schema):
    username = fields.String()
    role = fields.String()
    area = fields.String()


class AuditOut(Schema):
    id = fields.Integer()
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


class VerifyOut(Schema):
    lots_checked = fields.Integer()
    mismatches = fields.List(fields.Dict())
    ok = fields.Boolean()
