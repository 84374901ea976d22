"""Schemas: drills, drill records, corrective actions, requirements, compliance, notifications.

The request schemas check shapes and vocabularies; the services check the rules (recurrence,
times, references, scope, role) and name the field at fault.
"""
from __future__ import annotations

from typing import Any

from apiflask import Schema, fields, validators

from app.api.schemas import INT_MAX, Int, code_field, count, one_of
from app.core.clock import district_today
from app.core.vocabulary import Hazard, SourceStatus
from app.drills import services as drill_service
from app.drills.enums import (
    ActionStatus,
    DrillForm,
    DrillScope,
    DrillStatus,
    DrillUnit,
    ExerciseType,
    Poete,
    Rating,
)

ASPECTS = drill_service.evaluation_aspects()  # app/seeds/drills.toml [evaluation]


CODES = validators.Length(max=200)


def _codes(description: str, **kw: Any) -> fields.List[Any]:
    return fields.List(code_field(), validate=CODES, metadata={"description": description}, **kw)


def _lines(description: str) -> fields.List[Any]:
    return fields.List(fields.String(validate=validators.Length(max=2000)),
                       validate=validators.Length(max=100),
                       metadata={"description": description})


class DrillIn(Schema):
    title = fields.String(required=True, validate=validators.Length(min=1, max=200))
    exercise_type = fields.String(required=True, validate=one_of(ExerciseType),
                                  metadata={"description": "HSEEP type; seminar, workshop, "
                                            "tabletop and game are discussion-based"})
    form = fields.String(required=True, validate=one_of(DrillForm),
                         metadata={"description": "tabletop (discussion) or live (operations)"})
    scope = fields.String(validate=one_of(DrillScope))
    unit = fields.String(allow_none=True, validate=one_of(DrillUnit),
                         metadata={"description": "the kind of unit drilling (for unit rules)"})
    hazard = fields.String(required=True, validate=one_of(Hazard))
    area = code_field()
    plan = fields.String(allow_none=True, validate=validators.Length(max=32),
                         metadata={"description": "code of the contingency plan exercised"})
    objectives = _lines("what the drill is to show")
    starts_at = fields.DateTime(required=True, metadata={
        "description": "ISO 8601; without an offset it is local time (Asia/Shanghai)"})
    ends_at = fields.DateTime(allow_none=True, metadata={
        "description": "default: starts_at plus duration_minutes (or two hours)"})
    duration_minutes = Int(strict=True, allow_none=True,
                                      validate=validators.Range(min=1, max=60 * 24 * 14))
    venue_shelter = fields.String(allow_none=True, validate=validators.Length(max=32),
                                  metadata={"description": "a shelter code as the venue"})
    venue_address = fields.String(validate=validators.Length(max=300))
    director = fields.String(validate=validators.Length(max=100), metadata={
        "description": "who directs the drill on the day (演练总指挥) and answers for it"})
    expected_participants = count()
    teams = _codes("codes of the teams taking part")
    rrule = fields.String(validate=validators.Length(max=300), metadata={
        "description": "RFC 5545 recurrence (e.g. FREQ=MONTHLY;INTERVAL=3;COUNT=4); one "
                       "drill is created per date, at most 60 within three years"})
    notes = fields.String(validate=validators.Length(max=5000))


DrillPatch = DrillIn(partial=True)  # PATCH: every field optional


class DrillOut(Schema):
    code = fields.String()
    title = fields.String()
    exercise_type = fields.String()
    form = fields.String()
    scope = fields.String()
    unit = fields.String(allow_none=True)
    hazard = fields.String()
    area = fields.String(attribute="area.code")
    plan = fields.Function(lambda d: d.plan.code if d.plan_id else None)
    objectives = fields.List(fields.String())
    starts_at = fields.DateTime(metadata={"description": "UTC"})
    ends_at = fields.DateTime(metadata={"description": "UTC"})
    local_start = fields.Function(
        lambda d: d.starts_at.astimezone(drill_service.local_tz()).isoformat(),
        metadata={"description": "the start in the district's time zone"})
    duration_minutes = fields.Function(
        lambda d: int((d.ends_at - d.starts_at).total_seconds() // 60))
    venue_shelter = fields.Function(
        lambda d: d.venue_shelter.code if d.venue_shelter_id else None)
    venue_address = fields.String()
    director = fields.String()
    expected_participants = Int()
    teams = fields.Function(lambda d: [t.code for t in d.teams])
    status = fields.String()
    rrule = fields.String()
    series = fields.Function(lambda d: _series_code(d), metadata={
        "description": "code of the first drill of the series, if any"})
    notes = fields.String()
    has_record = fields.Function(lambda d: d.record is not None)
    created_by = fields.String()
    updated_at = fields.DateTime()


def _series_code(drill: Any) -> str | None:
    if drill.series_id is None:
        return None
    from app.core import db
    from app.drills.models import Drill
    first = db.session().get(Drill, drill.series_id)
    return first.code if first is not None else None


class CreatedDrillsOut(Schema):
    codes = fields.List(fields.String())
    drills = fields.List(fields.Nested(type("CreatedDrill", (DrillOut,), {})))


class DrillQuery(Schema):
    from_ = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "first local date (inclusive)"})
    to = fields.Date(load_default=None, metadata={"description": "last local date (inclusive)"})
    team = fields.String(load_default=None, validate=validators.Length(max=32),
                         metadata={"description": "only drills this team takes part in"})
    status = fields.String(load_default=None, validate=one_of(DrillStatus))


class DrillStatusIn(Schema):
    status = fields.String(required=True, validate=validators.OneOf(
        [s.value for s in drill_service.SETTABLE]), metadata={
        "description": "planned drills can be confirmed or cancelled, confirmed ones "
                       "re-planned or cancelled, cancelled ones planned again; done comes "
                       "from recording the drill"})


class CancelSeriesIn(Schema):
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validators.Length(max=500), metadata={
                               "description": "why; added to the notes of each drill"})


class CancelledSeriesOut(Schema):
    cancelled = fields.List(fields.String(), metadata={
        "description": "codes of the drills cancelled, soonest first"})


class ExerciseIn(Schema):
    level = Int(strict=True, load_default=4, validate=validators.Range(min=1, max=4),
                           metadata={"description": "response level to exercise (1 highest)"})


class ExerciseOut(Schema):
    drill = fields.String()
    incident = fields.String(metadata={"description": "code of the exercise incident"})
    plan = Int(metadata={"description": "number of the incident's plan"})
    summary = fields.Dict(metadata={"description": "what the exercise plan called up"})


class AttendanceIO(Schema):
    team = code_field()
    member = Int(strict=True, allow_none=True, load_default=None,
                 validate=validators.Range(min=1, max=INT_MAX),
                 metadata={"description": "a member id, for one person's presence"})
    expected = count(load_default=0)
    present = count(load_default=0)


class AttendanceOut(AttendanceIO):
    team = fields.String(attribute="team.code")
    member = Int(attribute="member_id", allow_none=True)
    member_name = fields.Function(lambda a: a.member.name if a.member_id else None)


class EventIO(Schema):
    at = fields.DateTime(required=True, metadata={
        "description": "ISO 8601; without an offset it is local time"})
    text = fields.String(required=True, validate=validators.Length(min=1, max=500))


class MeasureIn(Schema):
    name = fields.String(required=True, validate=validators.Length(min=1, max=200))
    target_seconds = Int(strict=True, required=True,
                                    validate=validators.Range(min=1, max=10_000_000))
    actual_seconds = Int(strict=True, required=True,
                                    validate=validators.Range(min=0, max=10_000_000))
    source = fields.String(load_default="", validate=validators.Length(max=300),
                           metadata={"description": "where the target comes from"})


class MeasureOut(MeasureIn):
    met = fields.Boolean(metadata={"description": "actual within target"})


class RatingIO(Schema):
    capability = fields.String(required=True, validate=validators.Length(min=1, max=200))
    rating = fields.String(required=True, validate=one_of(Rating),
                           metadata={"description": "HSEEP: P, S, M or U"})
    note = fields.String(load_default="", validate=validators.Length(max=2000))


# Art. 23 evaluation content, one text per aspect (aspects from app/seeds/drills.toml).
EvaluationIO = Schema.from_dict(
    {a.key: fields.String(validate=validators.Length(max=5000),
                          metadata={"description": f"{a.label_en} ({a.label_zh})"})
     for a in ASPECTS}, name="EvaluationIO")


class RecordIn(Schema):
    """Each list given replaces the old one; fields left out stay as they are."""

    attendance = fields.List(fields.Nested(AttendanceIO), validate=validators.Length(max=1000))
    events = fields.List(fields.Nested(EventIO), validate=validators.Length(max=1000))
    measures = fields.List(fields.Nested(MeasureIn), validate=validators.Length(max=200))
    ratings = fields.List(fields.Nested(RatingIO), validate=validators.Length(max=200))
    summary = fields.String(validate=validators.Length(max=20_000))
    strengths = _lines("what went well")
    improvements = _lines("what to improve")
    evaluation = fields.Nested(EvaluationIO)
    complete = fields.Boolean(metadata={
        "description": "mark the drill done (it must have started, with attendance or "
                       "timeline entries)"})


class RecordOut(Schema):
    drill = fields.String()
    status = fields.String(metadata={"description": "the drill's status"})
    summary = fields.String()
    strengths = fields.List(fields.String())
    improvements = fields.List(fields.String())
    evaluation = fields.Dict(keys=fields.String(), values=fields.String())
    attendance = fields.List(fields.Nested(AttendanceOut))
    events = fields.List(fields.Nested(type("EventOut", (EventIO,), {})))
    measures = fields.List(fields.Nested(MeasureOut))
    ratings = fields.List(fields.Nested(type("RatingOut", (RatingIO,), {})))
    exercise = fields.Dict(allow_none=True, metadata={
        "description": "the exercise incident run from the drill: incident, plan, level, "
                       "areas, evacuees, shipments, placements, assignments, teams_called"})
    recorded_by = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)


class ActionIn(Schema):
    drill = fields.String(validate=validators.Length(max=32),
                          metadata={"description": "the drill whose finding this fixes"})
    area = fields.String(validate=validators.Length(max=32),
                         metadata={"description": "default: the drill's area"})
    title = fields.String(required=True, validate=validators.Length(min=1, max=300))
    element = fields.String(required=True, validate=one_of(Poete),
                            metadata={"description": "POETE element fixed"})
    capability = fields.String(validate=validators.Length(max=200))
    owner = fields.String(required=True, validate=validators.Length(min=1, max=100))
    start_on = fields.Date(metadata={"description": "default: today"})
    due_on = fields.Date(required=True)
    flags_plan = fields.Boolean(metadata={
        "description": "flag the drill's contingency plan for revision"})


class ActionPatch(Schema):
    title = fields.String(validate=validators.Length(min=1, max=300))
    element = fields.String(validate=one_of(Poete))
    capability = fields.String(validate=validators.Length(max=200))
    owner = fields.String(validate=validators.Length(min=1, max=100))
    start_on = fields.Date()
    due_on = fields.Date()
    status = fields.String(validate=one_of(ActionStatus), metadata={
        "description": "moving to done needs a closing_note"})
    closing_note = fields.String(validate=validators.Length(max=5000))
    flags_plan = fields.Boolean()


class ActionOut(Schema):
    code = fields.String()
    drill = fields.Function(lambda a: a.drill.code if a.drill_id else None)
    area = fields.String(attribute="area.code")
    title = fields.String()
    element = fields.String()
    capability = fields.String()
    owner = fields.String()
    start_on = fields.Date()
    due_on = fields.Date()
    status = fields.String()
    closed_on = fields.Date(allow_none=True)
    closing_note = fields.String()
    flags_plan = fields.Boolean()
    overdue = fields.Function(lambda a: a.overdue(district_today()))
    updated_at = fields.DateTime()


class ActionQuery(Schema):
    status = fields.String(load_default=None, validate=one_of(ActionStatus))
    overdue = fields.Boolean(load_default=None,
                             metadata={"description": "true: open and past their due date"})
    element = fields.String(load_default=None, validate=one_of(Poete))
    drill = fields.String(load_default=None, validate=validators.Length(max=32))


class RequirementIn(Schema):
    code = code_field()
    name_zh = fields.String(required=True, validate=validators.Length(min=1, max=200))
    name_en = fields.String(validate=validators.Length(max=200))
    unit = fields.String(required=True, validate=one_of(DrillUnit), metadata={
        "description": "an area level (street, community, grid) or a kind of unit"})
    every_months = Int(strict=True, required=True,
                                  validate=validators.Range(min=1, max=120))
    min_drills = Int(strict=True, validate=validators.Range(min=1, max=100))
    form = fields.String(allow_none=True, validate=one_of(DrillForm),
                         metadata={"description": "only drills of this form count"})
    area_codes = _codes("for unit kinds: the areas the rule applies to")
    source = fields.String(required=True, validate=validators.Length(min=1, max=300),
                           metadata={"description": "the rule's legal or policy source"})
    source_status = fields.String(validate=one_of(SourceStatus))
    active = fields.Boolean()


class RequirementPatch(Schema):
    name_zh = fields.String(validate=validators.Length(min=1, max=200))
    name_en = fields.String(validate=validators.Length(max=200))
    unit = fields.String(validate=one_of(DrillUnit))
    every_months = Int(strict=True, validate=validators.Range(min=1, max=120))
    min_drills = Int(strict=True, validate=validators.Range(min=1, max=100))
    form = fields.String(allow_none=True, validate=one_of(DrillForm))
    area_codes = _codes("for unit kinds: the areas the rule applies to")
    source = fields.String(validate=validators.Length(min=1, max=300))
    source_status = fields.String(validate=one_of(SourceStatus))
    active = fields.Boolean()


class RequirementOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    unit = fields.String()
    every_months = Int()
    min_drills = Int()
    form = fields.String(allow_none=True)
    area_codes = fields.List(fields.String())
    source = fields.String()
    source_status = fields.String()
    active = fields.Boolean()
    updated_at = fields.DateTime()


class RequirementList(Schema):
    items = fields.List(fields.Nested(type("RequirementItem", (RequirementOut,), {})))


STANDINGS = ["overdue", "due_soon", "planned", "ok"]


class ComplianceQuery(Schema):
    area = fields.String(load_default=None, validate=validators.Length(max=32),
                         metadata={"description": "only this area's subtree (code)"})
    requirement = fields.String(load_default=None, validate=validators.Length(max=32))
    standing = fields.String(load_default=None, validate=validators.OneOf(STANDINGS))
    today = fields.Date(load_default=None, metadata={"description": "default: today"})


class ComplianceRowOut(Schema):
    requirement = fields.String(attribute="requirement.code")
    area = fields.String(attribute="area.code")
    area_level = fields.String(attribute="area.level")
    done_in_window = Int()
    last_done = fields.Date(allow_none=True)
    next_due = fields.Date()
    next_planned = fields.Date(allow_none=True)
    standing = fields.String()


class ComplianceOut(Schema):
    today = fields.Date()
    counts = fields.Dict(keys=fields.String(), values=Int(),
                         metadata={"description": "rows per standing"})
    items = fields.List(fields.Nested(ComplianceRowOut), metadata={
        "description": "(requirement, area) pairs, worst standing first"})


class CalendarQuery(Schema):
    token = fields.String(load_default=None, validate=validators.Length(max=200), metadata={
        "description": "an API token, for calendar apps that cannot send a header"})
    lang = fields.String(load_default="zh", validate=validators.OneOf(["zh", "en"]))
