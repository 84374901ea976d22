"""The stock ledger: receipts, issues, transfers, adjustments, write-offs, reservations.

Every change is a conditional UPDATE of the lot's cached balance (refused by the database if
it would go negative or below what is reserved) plus one append-only ledger row carrying the
balance after. Concurrent requests therefore can never oversell: the loser's UPDATE matches
no row and the whole transaction rolls back.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.core.access import require_writer
from app.core.clock import district_today
from app.core.db import unit_of_work, utcnow
from app.core.errors import (
    Conflict,
    ExpiredStock,
    InsufficientStock,
    NotFound,
    StockMoved,
    ValidationFailed,
)
from app.core.i18n import _, lang
from app.core.lookup import actor, scoped_by_code
from app.stock.enums import LedgerKind
from app.stock.models import Depot, Item, LedgerEntry, StockLot

MAX_RETRIES = 3


@dataclass(frozen=True)
class Movement:
    lot_id: int
    lot_number: str
    depot: str
    item: str
    quantity: int
    expiry_date: date | None
    on_hand_after: int
    reserved_after: int
    ledger_id: int

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class _Raced(Exception):
    """A conditional update matched nothing because another transaction moved first."""


def _positive(quantity: int, field: str = "quantity") -> None:
    if quantity <= 0:
        raise ValidationFailed(_("Quantity must be a whole number above zero."), field=field)


def _apply(session: Session, lot: _LotRow, kind: LedgerKind, d_on_hand: int, d_reserved: int,
           *, reason: str = "", reference: str = "") -> Movement:
    """Change one lot's balance and append the ledger row, or raise _Raced."""
    new_on_hand = StockLot.on_hand + d_on_hand
    new_reserved = StockLot.reserved + d_reserved
    row = session.execute(
        update(StockLot)
        .where(StockLot.id == lot.id, new_on_hand >= 0, new_reserved >= 0,
               new_reserved <= new_on_hand)
        .values(on_hand=new_on_hand, reserved=new_reserved, updated_at=utcnow())
        .returning(StockLot.on_hand, StockLot.reserved)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        raise _Raced
    who = actor()
    ledger_id = session.execute(insert(LedgerEntry).values(
        lot_id=lot.id, kind=kind, on_hand_delta=d_on_hand, reserved_delta=d_reserved,
        on_hand_after=row.on_hand, reserved_after=row.reserved, reason=reason,
        reference=reference, user_id=who.user_id, actor=who.label, created_at=utcnow(),
    ).returning(LedgerEntry.id)).scalar_one()
    return Movement(lot.id, lot.lot_number, lot.depot_code, lot.item_code,
                    abs(d_on_hand) or abs(d_reserved), lot.expiry_date, row.on_hand,
                    row.reserved, ledger_id)


@dataclass(frozen=True)
class _LotRow:
    id: int
    lot_number: str
    depot_code: str
    item_code: str
    expiry_date: date | None
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def _lot_rows(session: Session, *criteria: object, lock: bool = False) -> list[_LotRow]:
    stmt = (select(StockLot.id, StockLot.lot_number, Depot.code, Item.code,
                   StockLot.expiry_date, StockLot.on_hand, StockLot.reserved)
            .join(Depot, Depot.id == StockLot.depot_id).join(Item, Item.id == StockLot.item_id)
            .where(*criteria)  # type: ignore[arg-type]
            .order_by(StockLot.expiry_date.is_(None), StockLot.expiry_date,
                      StockLot.received_on, StockLot.id))
    if lock:
        stmt = stmt.with_for_update(of=StockLot)
    return [_LotRow(*r) for r in session.execute(stmt)]


def _retrying(fn):  # type: ignore[no-untyped-def]
    """Run a ledger use case in its own transaction, again if a concurrent writer won a race."""

    def run(session: Session, *args, **kwargs):  # type: ignore[no-untyped-def]
        for attempt in range(MAX_RETRIES):
            try:
                with unit_of_work(session):
                    return fn(session, *args, **kwargs)
            except _Raced:
                if attempt == MAX_RETRIES - 1:
                    raise Conflict(_("The stock changed while this request was processed; "
                                     "nothing was changed. Please try again."),
                                   field="quantity") from None
        raise AssertionError("unreachable")

    run.__doc__ = fn.__doc__
    run.__name__ = fn.__name__
    return run


def _depot_item(session: Session, depot_code: str, item_code: str) -> tuple[Depot, Item]:
    depot = scoped_by_code(session, Depot, depot_code, "depot")
    item = session.scalar(select(Item).where(Item.code == item_code))
    if item is None:
        raise NotFound(_("No item with code '%(code)s'.", code=item_code), field="item")
    return depot, item


def _pick_fefo(session: Session, depot: Depot, item: Item, quantity: int, on: date,
               lot_number: str | None, verb: str) -> list[tuple[_LotRow, int]]:
    """Choose lots first-expired-first-out (or the named lot); refuse expired stock."""
    criteria = [StockLot.depot_id == depot.id, StockLot.item_id == item.id]
    if lot_number:
        criteria.append(StockLot.lot_number == lot_number)
    lots = _lot_rows(session, *criteria, lock=True)
    if lot_number and not lots:
        raise NotFound(_("Depot %(depot)s has no lot '%(lot)s' of %(item)s.",
                         depot=depot.code, lot=lot_number, item=item.code), field="lot_number")
    usable = [lot for lot in lots if lot.expiry_date is None or lot.expiry_date >= on]
    if lot_number and not usable:
        raise ExpiredStock(_("Lot %(lot)s expired on %(date)s; expired stock cannot be "
                             "%(verb)s.", lot=lot_number, date=lots[0].expiry_date, verb=verb),
                           field="lot_number")
    have = sum(lot.available for lot in usable)
    if have < quantity:
        expired = sum(lot.available for lot in lots if lot not in usable)
        reserved = sum(lot.reserved for lot in usable)
        zh = lang() == "zh"
        raise InsufficientStock(_(
            "Depot %(depot)s has %(have)s available of %(item)s (%(name)s, unit: %(unit)s); "
            "%(reserved)s more reserved, %(expired)s expired. %(quantity)s cannot be "
            "%(verb)s; nothing was changed.", depot=depot.code, have=have, item=item.code,
            name=item.name_zh if zh else (item.name_en or item.name_zh),
            unit=item.unit_zh if zh else item.unit_en, reserved=reserved, expired=expired,
            quantity=quantity, verb=verb), field="quantity", available=have,
            requested=quantity)
    picks: list[tuple[_LotRow, int]] = []
    remaining = quantity
    for lot in usable:
        take = min(lot.available, remaining)
        if take > 0:
            picks.append((lot, take))
            remaining -= take
        if remaining == 0:
            break
    return picks


@_retrying
def receive(session: Session, *, depot: str, item: str, quantity: int, lot_number: str,
            expiry_date: date | None = None, received_on: date | None = None,
            supplier: str = "", reference: str = "", reason: str = "") -> Movement:
    """Receive a lot into a depot (a new lot, or more of an existing one)."""
    require_writer("stock")  # officials read; only stock writers move stock
    _positive(quantity)
    depot_obj, item_obj = _depot_item(session, depot, item)
    received_on = received_on or district_today()
    if expiry_date is not None and expiry_date < received_on:
        raise ValidationFailed(_("Expiry %(date)s is before the receipt date; expired stock "
                                 "cannot be received.", date=expiry_date), field="expiry_date")
    lot_id = session.scalar(select(StockLot.id).where(
        StockLot.depot_id == depot_obj.id, StockLot.item_id == item_obj.id,
        StockLot.lot_number == lot_number))
    if lot_id is None:
        lot_id = session.execute(insert(StockLot).values(
            depot_id=depot_obj.id, item_id=item_obj.id, lot_number=lot_number,
            expiry_date=expiry_date, received_on=received_on, supplier=supplier, on_hand=0,
            reserved=0, created_at=utcnow(), updated_at=utcnow()).returning(StockLot.id)
        ).scalar_one()
    lot = _lot_rows(session, StockLot.id == lot_id)[0]
    if lot.expiry_date != expiry_date:
        raise Conflict(_("Lot %(lot)s is already held with expiry %(date)s; a lot has one "
                         "expiry date.", lot=lot_number, date=lot.expiry_date),
                       field="expiry_date")
    return _apply(session, lot, LedgerKind.RECEIPT, quantity, 0, reason=reason,
                  reference=reference)


@_retrying
def issue(session: Session, *, depot: str, item: str, quantity: int,
          lot_number: str | None = None, reference: str = "", reason: str = "",
          on: date | None = None) -> list[Movement]:
    """Issue stock out of a depot, first-expired-first-out unless a lot is named."""
    require_writer("stock")  # officials read; only stock writers move stock
    _positive(quantity)
    depot_obj, item_obj = _depot_item(session, depot, item)
    picks = _pick_fefo(session, depot_obj, item_obj, quantity, on or district_today(), lot_number,
                       _("issued"))
    return [_apply(session, lot, LedgerKind.ISSUE, -take, 0, reason=reason, reference=reference)
            for lot, take in picks]


@_retrying
def transfer(session: Session, *, from_depot: str, to_depot: str, item: str, quantity: int,
             lot_number: str | None = None, reason: str = "") -> dict[str, list[Movement]]:
    """Move stock between depots, keeping lot numbers and expiry dates."""
    require_writer("stock")  # officials read; only stock writers move stock
    _positive(quantity)
    if from_depot == to_depot:
        raise ValidationFailed(_("A transfer needs two different depots."), field="to_depot")
    source, item_obj = _depot_item(session, from_depot, item)
    target = scoped_by_code(session, Depot, to_depot, "to_depot")
    picks = _pick_fefo(session, source, item_obj, quantity, district_today(), lot_number,
                       _("transferred"))
    group = f"transfer:{uuid.uuid4().hex[:12]}"
    outs, ins = [], []
    for lot, take in picks:
        outs.append(_apply(session, lot, LedgerKind.TRANSFER_OUT, -take, 0, reason=reason,
                           reference=group))
        target_lot = _target_lot(session, target, item_obj, lot)
        ins.append(_apply(session, target_lot, LedgerKind.TRANSFER_IN, take, 0, reason=reason,
                          reference=group))
    return {"out": outs, "in": ins}


def _target_lot(session: Session, target: Depot, item: Item, source: _LotRow) -> _LotRow:
    found = _lot_rows(session, StockLot.depot_id == target.id, StockLot.item_id == item.id,
                      StockLot.lot_number == source.lot_number)
    if found:
        if found[0].expiry_date != source.expiry_date:
            raise Conflict(_("Depot %(depot)s holds lot %(lot)s with another expiry date.",
                             depot=target.code, lot=source.lot_number), field="lot_number")
        return found[0]
    src = session.get_one(StockLot, source.id)
    lot_id = session.execute(insert(StockLot).values(
        depot_id=target.id, item_id=item.id, lot_number=source.lot_number,
        expiry_date=source.expiry_date, received_on=src.received_on, supplier=src.supplier,
        on_hand=0, reserved=0, created_at=utcnow(), updated_at=utcnow()).returning(StockLot.id)
    ).scalar_one()
    return _lot_rows(session, StockLot.id == lot_id)[0]


def _scoped_lot(session: Session, lot_id: int) -> _LotRow:
    lot = session.get(StockLot, lot_id)
    if lot is None:
        raise NotFound(_("No stock lot %(id)s.", id=lot_id), field="lot_id")
    scoped_by_code(session, Depot, lot.depot.code, "lot_id")
    return _lot_rows(session, StockLot.id == lot_id, lock=True)[0]


@_retrying
def adjust(session: Session, *, lot_id: int, delta: int, reason: str) -> Movement:
    """Correct a lot after a count; the reason is mandatory and kept in the ledger."""
    require_writer("stock")  # officials read; only stock writers move stock
    if delta == 0:
        raise ValidationFailed(_("An adjustment must change the quantity."), field="delta")
    if not reason.strip():
        raise ValidationFailed(_("Say why the stock is adjusted."), field="reason")
    lot = _scoped_lot(session, lot_id)
    if lot.on_hand + delta < lot.reserved:
        raise InsufficientStock(_("Lot %(lot)s holds %(on_hand)s with %(reserved)s reserved; "
                                  "it cannot go down by %(n)s. Nothing was changed.",
                                  lot=lot.lot_number, on_hand=lot.on_hand,
                                  reserved=lot.reserved, n=-delta), field="delta")
    return _apply(session, lot, LedgerKind.ADJUSTMENT, delta, 0, reason=reason)


@_retrying
def write_off(session: Session, *, lot_id: int, reason: str = "",
              on: date | None = None) -> Movement:
    """Write off the unreserved remainder of an expired lot."""
    require_writer("stock")  # officials read; only stock writers move stock
    on = on or district_today()
    lot = _scoped_lot(session, lot_id)
    if lot.expiry_date is None or lot.expiry_date >= on:
        raise Conflict(_("Lot %(lot)s has not expired; use an adjustment with a reason for "
                         "damaged or lost stock.", lot=lot.lot_number), field="lot_id")
    if lot.available <= 0:
        raise Conflict(_("Lot %(lot)s has nothing unreserved left to write off.",
                         lot=lot.lot_number), field="lot_id")
    return _apply(session, lot, LedgerKind.WRITE_OFF, -lot.available, 0,
                  reason=reason or f"expired {lot.expiry_date}")


@_retrying
def reserve(session: Session, *, depot: str, item: str, quantity: int, reference: str,
            lot_number: str | None = None, needed_by: date | None = None,
            reason: str = "") -> list[Movement]:
    """Set units aside for a reference (an incident, a dispatch); never expired ones."""
    require_writer("stock")  # officials read; only stock writers move stock
    _positive(quantity)
    if not reference.strip():
        raise ValidationFailed(_("A reservation needs a reference."), field="reference")
    depot_obj, item_obj = _depot_item(session, depot, item)
    picks = _pick_fefo(session, depot_obj, item_obj, quantity, needed_by or district_today(),
                       lot_number, _("reserved"))
    return [_apply(session, lot, LedgerKind.RESERVATION, 0, take, reason=reason,
                   reference=reference) for lot, take in picks]


def outstanding_reservations(session: Session, reference: str) -> dict[int, int]:
    """Units still reserved under a reference, per lot."""
    rows = session.execute(
        select(LedgerEntry.lot_id, func.sum(LedgerEntry.reserved_delta))
        .where(LedgerEntry.reference == reference).group_by(LedgerEntry.lot_id))
    return {lot_id: int(total) for lot_id, total in rows if total and total > 0}


def _settle(session: Session, reference: str, kind: LedgerKind, issue_too: bool,
            reason: str, scoped: bool = True) -> list[Movement]:
    """Clear every reservation under a reference: release it, or issue it as well."""
    outstanding = outstanding_reservations(session, reference)
    if not outstanding:
        raise Conflict(_("Nothing is reserved under '%(ref)s' (never reserved, or already "
                         "issued or released).", ref=reference), field="reference")
    return [_apply(session, _scoped_lot(session, lot_id) if scoped else
                   _lot_rows(session, StockLot.id == lot_id, lock=True)[0],
                   kind, -qty if issue_too else 0, -qty, reason=reason, reference=reference)
            for lot_id, qty in outstanding.items()]


def settle(session: Session, reference: str, *, issue: bool, reason: str = "",
           scoped: bool = True) -> list[Movement]:
    """Issue (or release) everything reserved under a reference, in the caller's transaction.
    `scoped=False`: the caller checked the reference's own scope (a dispatch order received
    by its community, from a depot outside the receiver's area)."""
    require_writer("stock")  # officials read; only stock writers move stock
    return _settle(session, reference, LedgerKind.ISSUE if issue else LedgerKind.RELEASE, issue,
                   reason, scoped)


def reserve_lots(session: Session, picks: list[tuple[int, int, str]], *, needed_by: date,
                 reason: str = "") -> list[Movement]:
    """Reserve (lot, quantity, reference) picks in the caller's transaction, all or nothing.

    Lots are locked in id order, so concurrent confirmations cannot deadlock. Raises StockMoved
    when a lot no longer has the units free (someone reserved or issued them since) or expires
    before `needed_by`; the caller's transaction must then roll back.
    """
    require_writer("stock")  # officials read; only stock writers move stock
    picks = sorted(picks)
    rows = {r.id: r for r in _lot_rows(session, StockLot.id.in_({lot for lot, _, _ in picks}))}
    moves = []
    for lot_id, quantity, reference in picks:
        _positive(quantity)
        row = rows[lot_id]
        if row.expiry_date is not None and row.expiry_date < needed_by:
            raise StockMoved(_("Lot %(lot)s of %(item)s in %(depot)s expires on %(date)s, "
                               "before it would arrive.", lot=row.lot_number, item=row.item_code,
                               depot=row.depot_code, date=row.expiry_date), field="plan")
        try:
            moves.append(_apply(session, row, LedgerKind.RESERVATION, 0, quantity,
                                reason=reason, reference=reference))
        except _Raced:
            raise StockMoved(_("%(item)s in %(depot)s (lot %(lot)s) no longer has %(n)s units "
                               "free: the stock changed since the plan was made.",
                               item=row.item_code, depot=row.depot_code, lot=row.lot_number,
                               n=quantity), field="plan") from None
    return moves


@_retrying
def release(session: Session, *, reference: str, reason: str = "") -> list[Movement]:
    """Release everything still reserved under a reference."""
    require_writer("stock")  # officials read; only stock writers move stock
    return _settle(session, reference, LedgerKind.RELEASE, False, reason)


@_retrying
def issue_reserved(session: Session, *, reference: str, reason: str = "") -> list[Movement]:
    """Issue exactly what is reserved under a reference (a dispatch delivered)."""
    require_writer("stock")  # officials read; only stock writers move stock
    return _settle(session, reference, LedgerKind.ISSUE, True, reason)


@dataclass(frozen=True)
class Mismatch:
    lot_id: int
    lot_number: str
    on_hand: int
    ledger_on_hand: int
    reserved: int
    ledger_reserved: int


def verify(session: Session) -> tuple[int, list[Mismatch]]:
    """Compare every lot's balance with the sum of its ledger. Returns (lots checked, bad)."""
    sums = (select(LedgerEntry.lot_id,
                   func.coalesce(func.sum(LedgerEntry.on_hand_delta), 0).label("oh"),
                   func.coalesce(func.sum(LedgerEntry.reserved_delta), 0).label("rs"))
            .group_by(LedgerEntry.lot_id).subquery())
    rows = session.execute(
        select(StockLot.id, StockLot.lot_number, StockLot.on_hand, StockLot.reserved,
               func.coalesce(sums.c.oh, 0), func.coalesce(sums.c.rs, 0))
        .outerjoin(sums, sums.c.lot_id == StockLot.id)).all()
    bad = [Mismatch(r[0], r[1], r[2], int(r[4]), r[3], int(r[5])) for r in rows
           if r[2] != r[4] or r[3] != r[5]]
    return len(rows), bad
