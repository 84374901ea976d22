"""Depots, lots, the ledger, stock operations and the stock summary."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from apiflask import APIBlueprint
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from app.api.common import PROBLEM_RESPONSES, ListQuery, envelope, subtree_prefix
from app.api.crud import code_routes
from app.areas.models import Area
from app.core import db
from app.core.clock import district_today
from app.core.errors import NotFound
from app.core.listing import page_of
from app.core.lookup import scoped_by_code
from app.stock import catalogue, reserves, summary, vehicles
from app.stock import schemas as s
from app.stock import services as stock
from app.stock.models import Depot, Item, LedgerEntry, StockLot, Vehicle

bp = APIBlueprint("stock", __name__, url_prefix="/api/v1", tag="Depots and stock")
DepotPage = envelope(s.DepotOut, "DepotPage")
LotPage = envelope(s.LotOut, "LotPage")
VehiclePage = envelope(s.VehicleOut, "VehiclePage")
LedgerPage = envelope(s.LedgerOut, "LedgerPage")
CONFLICT = {**PROBLEM_RESPONSES, 409: "Not enough stock, expired stock or a race (problem)"}


@bp.get("/depots")
@bp.input(ListQuery, location="query", arg_name="args")
@bp.output(DepotPage)
@bp.doc(summary="List depots in your subtree", responses=PROBLEM_RESPONSES)
def list_depots(args: dict[str, Any]) -> dict[str, Any]:
    stmt = (select(Depot).join(Area, Area.id == Depot.area_id).options(
        selectinload(Depot.area)).where(Area.path.startswith(subtree_prefix(args["area"]))))
    return page_of(stmt, args, {"code": Depot.code, "name_zh": Depot.name_zh,
                                "name_en": Depot.name_en, "area": Area.code},
                   [Depot.code, Depot.name_zh, Depot.name_en, Depot.address], "code")


code_routes(bp, catalogue.DEPOT, "depots", schema_in=s.DepotIn, schema_patch=s.DepotPatch,
            schema_out=s.DepotOut)


@bp.get("/vehicles")
@bp.input(ListQuery, location="query", arg_name="args")
@bp.output(VehiclePage)
@bp.doc(summary="List the vehicles of the depots in your subtree", responses=PROBLEM_RESPONSES)
def list_vehicles(args: dict[str, Any]) -> dict[str, Any]:
    stmt = (select(Vehicle).join(Depot, Depot.id == Vehicle.depot_id)
            .join(Area, Area.id == Depot.area_id)
            .options(selectinload(Vehicle.depot).selectinload(Depot.area))
            .where(Area.path.startswith(subtree_prefix(args["area"]))))
    return page_of(stmt, args, {"code": Vehicle.code, "depot": Depot.code,
                                "payload_kg": Vehicle.payload_kg},
                   [Vehicle.code, Vehicle.driver_name, Depot.code], "code")


code_routes(bp, vehicles.VEHICLE, "vehicles", schema_in=s.VehicleIn,
            schema_patch=s.VehiclePatch, schema_out=s.VehicleOut)


@bp.put("/depots/<code>/minimums/<item>")
@bp.input(s.MinimumIn, arg_name="json_data")
@bp.output({}, status_code=204)
@bp.doc(summary="Set (or with null clear) a depot's own minimum for an item",
        responses=PROBLEM_RESPONSES)
def set_minimum(code: str, item: str, json_data: dict[str, Any]) -> tuple[str, int]:
    catalogue.set_minimum(db.session(), code, item, json_data["minimum"])
    return "", 204


@bp.get("/depots/<code>/reserves")
@bp.output(s.ReserveList)
@bp.doc(summary="A depot's protected reserves: what allocation plans leave in place, and "
                "where each figure comes from", responses={**PROBLEM_RESPONSES,
                                                           404: "Unknown depot (problem)"})
def list_reserves(code: str) -> dict[str, Any]:
    return {"items": reserves.of_depot(db.session(), code)}


@bp.put("/depots/<code>/reserves/<item>")
@bp.input(s.ReserveIn, arg_name="json_data")
@bp.output({}, status_code=204)
@bp.doc(summary="Set (or with null clear) a depot's protected reserve of an item, with its "
                "source", responses=PROBLEM_RESPONSES)
def set_reserve(code: str, item: str, json_data: dict[str, Any]) -> tuple[str, int]:
    reserves.set_reserve(db.session(), code, item, json_data["units"], json_data["source"])
    return "", 204


class LotListQuery(ListQuery, s.LotQuery):
    pass


@bp.get("/lots")
@bp.input(LotListQuery, location="query", arg_name="args")
@bp.output(LotPage)
@bp.doc(summary="List stock lots (filters: area subtree, depot, item, category, expiring "
                "within N days, below minimum)", responses=PROBLEM_RESPONSES)
def list_lots(args: dict[str, Any]) -> dict[str, Any]:
    prefix = subtree_prefix(args["area"])
    stmt = (select(StockLot).join(Depot, Depot.id == StockLot.depot_id)
            .join(Area, Area.id == Depot.area_id).join(Item, Item.id == StockLot.item_id)
            .options(selectinload(StockLot.depot), selectinload(StockLot.item))
            .where(Area.path.startswith(prefix)))
    if not args["include_empty"]:
        stmt = stmt.where(StockLot.on_hand > 0)
    if args["depot"]:
        stmt = stmt.where(Depot.code == args["depot"])
    if args["item"]:
        stmt = stmt.where(Item.code == args["item"])
    if args["category"]:
        stmt = stmt.where(Item.category == args["category"])
    if args["expiring_within"] is not None:
        stmt = stmt.where(StockLot.expiry_date <= district_today()
                          + timedelta(days=args["expiring_within"]))
    if args["below_minimum"]:
        pairs = summary.below_minimum_pairs(prefix).subquery()
        stmt = stmt.join(pairs, and_(pairs.c[0] == StockLot.depot_id,
                                     pairs.c[1] == StockLot.item_id))
    return page_of(stmt, args, {"id": StockLot.id, "expiry_date": StockLot.expiry_date,
                                "lot_number": StockLot.lot_number, "on_hand": StockLot.on_hand,
                                "item": Item.code, "depot": Depot.code,
                                "received_on": StockLot.received_on},
                   [StockLot.lot_number, Item.code, Item.name_zh, Depot.code], "expiry_date")


def _lot(lot_id: int) -> StockLot:
    lot = db.session().get(StockLot, lot_id)
    if lot is None:
        raise NotFound(f"No stock lot {lot_id}.", field="lot_id")
    scoped_by_code(db.session(), Depot, lot.depot.code, "lot_id")
    return lot


@bp.get("/lots/<int:lot_id>")
@bp.output(s.LotOut)
@bp.doc(summary="Read a stock lot", responses=PROBLEM_RESPONSES)
def read_lot(lot_id: int) -> Any:
    return _lot(lot_id)


class LedgerListQuery(ListQuery, s.LedgerQuery):
    pass


@bp.get("/ledger")
@bp.input(LedgerListQuery, location="query", arg_name="args")
@bp.output(LedgerPage)
@bp.doc(summary="The append-only stock ledger, newest first", responses=PROBLEM_RESPONSES)
def list_ledger(args: dict[str, Any]) -> dict[str, Any]:
    stmt = (select(LedgerEntry).join(StockLot, StockLot.id == LedgerEntry.lot_id)
            .join(Depot, Depot.id == StockLot.depot_id).join(Area, Area.id == Depot.area_id)
            .join(Item, Item.id == StockLot.item_id)
            .where(Area.path.startswith(subtree_prefix(args["area"]))))
    for key, column in (("lot_id", LedgerEntry.lot_id), ("depot", Depot.code),
                        ("item", Item.code), ("kind", LedgerEntry.kind),
                        ("reference", LedgerEntry.reference)):
        if args[key] is not None:
            stmt = stmt.where(column == args[key])
    return page_of(stmt, args, {"id": LedgerEntry.id, "created_at": LedgerEntry.created_at},
                   [LedgerEntry.reference, LedgerEntry.reason, StockLot.lot_number], "-id")


def _moves(moves: list[stock.Movement]) -> dict[str, Any]:
    return {"movements": [m.as_dict() for m in moves]}


@bp.post("/stock/receipts")
@bp.input(s.ReceiptIn, arg_name="json_data")
@bp.output(s.MovementOut, status_code=201)
@bp.doc(summary="Receive a lot into a depot", responses=CONFLICT)
def receive(json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return stock.receive(db.session(), **json_data).as_dict(), 201


@bp.post("/stock/issues")
@bp.input(s.IssueIn, arg_name="json_data")
@bp.output(s.MovementsOut, status_code=201)
@bp.doc(summary="Issue stock, first-expired-first-out unless a lot is named; never expired "
                "stock; 409 and no change when there is not enough", responses=CONFLICT)
def issue(json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return _moves(stock.issue(db.session(), **json_data)), 201


@bp.post("/stock/transfers")
@bp.input(s.TransferIn, arg_name="json_data")
@bp.output(s.TransferOut, status_code=201)
@bp.doc(summary="Transfer stock between depots (lot numbers and expiry kept)",
        responses=CONFLICT)
def transfer(json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    result = stock.transfer(db.session(), **json_data)
    return {"out": [m.as_dict() for m in result["out"]],
            "in": [m.as_dict() for m in result["in"]]}, 201


@bp.post("/stock/adjustments")
@bp.input(s.AdjustmentIn, arg_name="json_data")
@bp.output(s.MovementOut, status_code=201)
@bp.doc(summary="Adjust a lot after a count, with a reason", responses=CONFLICT)
def adjust(json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return stock.adjust(db.session(), **json_data).as_dict(), 201


@bp.post("/stock/write-offs")
@bp.input(s.WriteOffIn, arg_name="json_data")
@bp.output(s.MovementOut, status_code=201)
@bp.doc(summary="Write off the unreserved remainder of an expired lot", responses=CONFLICT)
def write_off(json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return stock.write_off(db.session(), **json_data).as_dict(), 201


@bp.post("/stock/reservations")
@bp.input(s.ReservationIn, arg_name="json_data")
@bp.output(s.MovementsOut, status_code=201)
@bp.doc(summary="Reserve stock under a reference (FEFO, never expired)", responses=CONFLICT)
def reserve(json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return _moves(stock.reserve(db.session(), **json_data)), 201


@bp.post("/stock/releases")
@bp.input(s.ReleaseIn, arg_name="json_data")
@bp.output(s.MovementsOut, status_code=201)
@bp.doc(summary="Release everything reserved under a reference", responses=CONFLICT)
def release(json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return _moves(stock.release(db.session(), **json_data)), 201


@bp.get("/stock/verify")
@bp.output(s.VerifyOut)
@bp.doc(summary="Prove every lot's balance equals the sum of its ledger",
        responses=PROBLEM_RESPONSES)
def verify() -> dict[str, Any]:
    checked, bad = stock.verify(db.session())
    return {"lots_checked": checked, "mismatches": [m.__dict__ for m in bad], "ok": not bad}


@bp.get("/stock/summary")
@bp.input(s.SummaryQuery, location="query", arg_name="args")
@bp.output(s.SummaryOut)
@bp.doc(summary="Stock per item for an area subtree: on hand, reserved, expiring, below "
                "minimum and days of need covered under the planning norms",
        responses={**PROBLEM_RESPONSES, 404: "No area with that code (problem details)"})
def stock_summary(args: dict[str, Any]) -> dict[str, Any]:
    from app.api.common import principal
    session = db.session()
    code = args["area"] or _scope_code(principal().area_id)
    result = summary.summary(session, code, expiring_within=args["expiring_within"],
                             item_code=args["item"])
    if args["by"] == "children":
        area = scoped_by_code(session, Area, code, "area")
        kids = session.scalars(select(Area.code).where(Area.parent_id == area.id)
                               .order_by(Area.code)).all()
        result["children"] = [summary.summary(session, k, expiring_within=args["expiring_within"],
                                              item_code=args["item"]) for k in kids]
    return result


def _scope_code(area_id: int | None) -> str:
    if area_id is None:
        root = db.session().scalar(select(Area.code).where(Area.parent_id.is_(None))
                                   .order_by(Area.id))
        if root is None:
            raise NotFound("There are no areas yet.", field="area")
        return root
    return db.session().get_one(Area, area_id).code
