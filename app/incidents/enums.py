"""Vocabulary of incidents: statuses, events, allocation plan, dispatch and mobilisation states."""
from __future__ import annotations

from app.core.vocabulary import Labelled, _with_labels


class IncidentStatus(Labelled):
    ACTIVE = "active"
    CLOSED = "closed"
    DRAFT = "draft"  # imported from a CAP alert: nothing mobilised until a coordinator declares


_with_labels(IncidentStatus, {"active": ("处置中", "Active"), "closed": ("已结束", "Closed"),
                              "draft": ("待确认草稿", "Draft")})


class IncidentEventKind(Labelled):
    """An incident's history, from which its CAP alerts are derived."""

    IMPORTED = "imported"
    DECLARED = "declared"
    LEVEL_CHANGED = "level_changed"
    CLOSED = "closed"


_with_labels(IncidentEventKind, {"imported": ("由CAP预警导入", "Imported from a CAP alert"),
                                 "declared": ("宣布启动", "Declared"),
                                 "level_changed": ("响应级别调整", "Level changed"),
                                 "closed": ("响应结束", "Closed")})


class PlanStatus(Labelled):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    SUPERSEDED = "superseded"


_with_labels(PlanStatus, {"proposed": ("待确认", "Proposed"), "confirmed": ("已确认", "Confirmed"),
                          "superseded": ("已被替代", "Superseded")})


class DispatchStatus(Labelled):
    RESERVED = "reserved"
    DISPATCHED = "dispatched"  # the depot loaded it and handed it over: in transit
    DELIVERED = "delivered"  # received at the receiving point
    CANCELLED = "cancelled"


_with_labels(DispatchStatus, {"reserved": ("已预留待发", "Reserved, to go"),
                              "dispatched": ("已发出在途", "Dispatched, in transit"),
                              "delivered": ("已送达", "Delivered"),
                              "cancelled": ("已取消", "Cancelled")})

# From a status, the statuses a dispatch order may move to; here and nowhere else. A dispatched
# order may still be cancelled while its stock is not issued (dispatches.close_in checks that).
DISPATCH_MOVES: dict[DispatchStatus, tuple[DispatchStatus, ...]] = {
    DispatchStatus.RESERVED: (DispatchStatus.DISPATCHED, DispatchStatus.DELIVERED,
                              DispatchStatus.CANCELLED),
    DispatchStatus.DISPATCHED: (DispatchStatus.DELIVERED, DispatchStatus.CANCELLED),
    DispatchStatus.DELIVERED: (),
    DispatchStatus.CANCELLED: (),
}
# Still open: not yet received nor cancelled (an incident closes only without them).
OPEN_STATUSES: tuple[DispatchStatus, ...] = (DispatchStatus.RESERVED, DispatchStatus.DISPATCHED)


def is_open(status: DispatchStatus) -> bool:
    """Whether an order in this status is still to deliver or cancel."""
    return status in OPEN_STATUSES


class MobilisationStatus(Labelled):
    CALLED = "called"
    STOOD_DOWN = "stood_down"


_with_labels(MobilisationStatus, {"called": ("已调集", "Called out"),
                                  "stood_down": ("已解除", "Stood down")})
