"""Vocabulary of drills: HSEEP exercise types, forms, scopes, statuses, ratings, POETE."""
from __future__ import annotations

from app.core.vocabulary import Labelled, _with_labels


class ExerciseType(Labelled):
    """HSEEP exercise types: four discussion-based, three operations-based."""

    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    TABLETOP = "tabletop"
    GAME = "game"
    DRILL = "drill"
    FUNCTIONAL = "functional"
    FULL_SCALE = "full_scale"


_with_labels(ExerciseType, {
    "seminar": ("研讨会", "Seminar"), "workshop": ("专题研讨", "Workshop"),
    "tabletop": ("桌面推演", "Tabletop exercise"), "game": ("推演游戏", "Game"),
    "drill": ("单项操练", "Drill"), "functional": ("功能演练", "Functional exercise"),
    "full_scale": ("全面演练", "Full-scale exercise"),
})


DISCUSSION_BASED = frozenset({ExerciseType.SEMINAR, ExerciseType.WORKSHOP,
                              ExerciseType.TABLETOP, ExerciseType.GAME})


class DrillForm(Labelled):
    """The Chinese 桌面 / 实战 axis."""

    TABLETOP = "tabletop"
    LIVE = "live"


_with_labels(DrillForm, {"tabletop": ("桌面演练", "Tabletop"), "live": ("实战演练", "Live")})


class DrillScope(Labelled):
    """The Chinese 单项 / 综合 axis."""

    SINGLE = "single"
    COMPREHENSIVE = "comprehensive"


_with_labels(DrillScope, {"single": ("单项演练", "Single-function"),
                          "comprehensive": ("综合演练", "Comprehensive")})


class DrillStatus(Labelled):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    DONE = "done"
    CANCELLED = "cancelled"


_with_labels(DrillStatus, {"planned": ("计划中", "Planned"), "confirmed": ("已确认", "Confirmed"),
                           "done": ("已完成", "Done"), "cancelled": ("已取消", "Cancelled")})


class DrillUnit(Labelled):
    """What a drill-frequency rule applies to: a level of the area tree, or a kind of unit
    (school, venue, ...) that a coordinator places in chosen areas."""

    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    CROWDED_VENUE = "crowded_venue"
    HAZARDOUS_SITE = "hazardous_site"


_with_labels(DrillUnit, {
    "street": ("街道", "Street"), "community": ("社区", "Community"), "grid": ("网格", "Grid"),
    "school": ("学校", "School"), "kindergarten": ("幼儿园", "Kindergarten"),
    "crowded_venue": ("人员密集场所", "Crowded venue"),
    "hazardous_site": ("危险化学品单位", "Hazardous site"),
})


AREA_UNITS = frozenset({DrillUnit.STREET, DrillUnit.COMMUNITY, DrillUnit.GRID})


class Rating(Labelled):
    """HSEEP capability ratings."""

    P = "P"
    S = "S"
    M = "M"
    U = "U"


_with_labels(Rating, {
    "P": ("P 完成良好", "P: performed without challenges"),
    "S": ("S 基本完成", "S: performed with some challenges"),
    "M": ("M 问题较多", "M: performed with major challenges"),
    "U": ("U 未能完成", "U: unable to be performed"),
})


class Poete(Labelled):
    """The element of capability a corrective action fixes."""

    PLANNING = "planning"
    ORGANISATION = "organisation"
    EQUIPMENT = "equipment"
    TRAINING = "training"
    EXERCISE = "exercise"


_with_labels(Poete, {"planning": ("预案", "Planning"), "organisation": ("组织", "Organisation"),
                     "equipment": ("装备", "Equipment"), "training": ("培训", "Training"),
                     "exercise": ("演练", "Exercise")})


class ActionStatus(Labelled):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


_with_labels(ActionStatus, {"open": ("待处理", "Open"), "in_progress": ("整改中", "In progress"),
                            "done": ("已整改", "Done"), "cancelled": ("已撤销", "Cancelled")})


OPEN_ACTIONS = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS})
