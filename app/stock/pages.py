"""Pages for areas, depots, lots and the stock ledger."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.areas.models import Area
from app.core import crud, db
from app.core.clock import district_today
from app.core.errors import NotFound
from app.core.lookup import ensure_in_scope, scoped_by_code
from app.stock import services as stock
from app.stock import summary
from app.stock import vehicles as vehicle_svc
from app.stock.enums import VehicleKind
from app.stock.forms import (
    AdjustForm,
    IssueForm,
    ReceiptForm,
    TransferForm,
    VehicleForm,
    WriteOffForm,
)
from app.stock.models import Depot, Item, LedgerEntry, StockLot
from app.web import locale
from app.web.common import form_status, list_args, may, my_prefix, page, submit, url_args
from app.web.forms import choices, data_of

bp = Blueprint("inventory", __name__, template_folder="templates")


@bp.get("/depots")
def depots() -> str:
    args = list_args("area")
    stmt = (select(Depot).join(Area, Area.id == Depot.area_id).options(selectinload(Depot.area))
            .where(Area.path.startswith(my_prefix(args["area"]))))
    result = page(stmt, args, {"code": Depot.code, "name": Depot.name_zh, "area": Area.code},
                  [Depot.code, Depot.name_zh, Depot.name_en, Depot.address], "code")
    return render_template("stock/depots.html", page=result, args=url_args(args))


def _item_choices() -> list[tuple[str, str]]:
    lang = locale()
    return [(i.code, f"{i.name_zh if lang == 'zh' else i.name_en} ({i.code})")
            for i in db.session().scalars(select(Item).order_by(Item.category, Item.code))]


def _depot_forms(depot: Depot) -> dict[str, Any]:
    items = _item_choices()
    forms: dict[str, Any] = {"receive": ReceiptForm(prefix="receive"),
                             "issue": IssueForm(prefix="issue"),
                             "transfer": TransferForm(prefix="transfer")}
    for form in forms.values():
        form.item.choices = items
    others = db.session().scalars(select(Depot).join(Area, Area.id == Depot.area_id).where(
        Area.path.startswith(my_prefix()), Depot.id != depot.id).order_by(Depot.code))
    forms["transfer"].to_depot.choices = [(d.code, f"{d.code} {d.name_zh}") for d in others]
    return forms


@bp.route("/depots/<code>", methods=["GET", "POST"])
def depot(code: str) -> str | Response | tuple[str, int]:
    session = db.session()
    found = scoped_by_code(session, Depot, code, "depot")
    forms = _depot_forms(found)
    action = request.form.get("action")
    if request.method == "POST" and action in forms:
        done = submit(forms[action], "stock", lambda: _run(action, found.code, forms[action]),
                      _("Done: the ledger has the entry."), url_for("inventory.depot", code=code))
        if done:
            return done
    lots = session.scalars(select(StockLot).options(selectinload(StockLot.item)).where(
        StockLot.depot_id == found.id, StockLot.on_hand > 0).order_by(
        StockLot.item_id, StockLot.expiry_date.is_(None), StockLot.expiry_date)).all()
    return render_template("stock/depot.html", depot=found, lots=lots, forms=forms,
                           today=district_today(), soon=district_today() + timedelta(days=30),
                           writable=may("stock"), active=action), form_status()


@bp.route("/depots/<code>/vehicles", methods=["GET", "POST"])
def vehicles(code: str) -> str | Response | tuple[str, int]:
    """The depot's vehicles (what its loads go on), and a form to register one."""
    session = db.session()
    found = scoped_by_code(session, Depot, code, "depot")
    form = VehicleForm()
    form.kind.choices = choices(VehicleKind, locale())
    if request.method == "POST":
        done = submit(form, "depots", lambda: crud.create(session, vehicle_svc.VEHICLE, {
            "code": form.code.data, "plate": form.plate.data, "depot": found.code,
            "kind": form.kind.data, "payload_kg": float(form.payload_kg.data or 0),
            "volume_m3": float(form.volume_m3.data or 0),
            "driver_name": form.driver_name.data or "",
            "driver_phone": form.driver_phone.data or ""}),
            _("Vehicle %(code)s registered.", code=form.code.data),
            url_for("inventory.vehicles", code=code))
        if done:
            return done
    return render_template("stock/vehicles.html", depot=found, vehicles=found.vehicles,
                           form=form, writable=may("depots")), form_status()


def _run(action: str, depot: str, form: Any) -> None:
    session = db.session()
    if action == "receive":
        stock.receive(session, depot=depot, **data_of(form, "item", "quantity", "lot_number",
                                                      "expiry_date", "supplier", "reason"))
    elif action == "issue":
        stock.issue(session, depot=depot, **data_of(form, "item", "quantity", "lot_number",
                                                    "reason"))
    else:
        stock.transfer(session, from_depot=depot, **data_of(form, "item", "quantity",
                                                           "to_depot", "reason"))


@bp.get("/lots")
def lots() -> str:
    args = list_args("area", "item", "expiring", "below")
    prefix = my_prefix(args["area"])
    stmt = (select(StockLot).join(Depot, Depot.id == StockLot.depot_id)
            .join(Area, Area.id == Depot.area_id).join(Item, Item.id == StockLot.item_id)
            .options(selectinload(StockLot.depot), selectinload(StockLot.item))
            .where(Area.path.startswith(prefix), StockLot.on_hand > 0))
    if args["item"]:
        stmt = stmt.where(Item.code == args["item"])
    if args["expiring"] and args["expiring"].isdigit():
        stmt = stmt.where(StockLot.expiry_date <= district_today()
                          + timedelta(days=int(args["expiring"])))
    if args["below"]:
        pairs = summary.below_minimum_pairs(prefix).subquery()
        stmt = stmt.join(pairs, and_(pairs.c[0] == StockLot.depot_id,
                                     pairs.c[1] == StockLot.item_id))
    result = page(stmt, args, {"expiry": StockLot.expiry_date, "item": Item.code,
                               "depot": Depot.code, "on_hand": StockLot.on_hand},
                  [StockLot.lot_number, Item.code, Item.name_zh, Depot.code], "expiry")
    return render_template("stock/lots.html", page=result, args=url_args(args),
                           today=district_today(), soon=district_today() + timedelta(days=30),
                           items=_item_choices())


@bp.route("/lots/<int:lot_id>", methods=["GET", "POST"])
def lot(lot_id: int) -> str | Response | tuple[str, int]:
    session = db.session()
    found = session.get(StockLot, lot_id)
    if found is None:
        raise NotFound(_("No such lot."))
    ensure_in_scope(found.depot)
    forms = {"adjust": AdjustForm(prefix="adjust"), "write_off": WriteOffForm(prefix="wo")}
    action = request.form.get("action")
    if request.method == "POST" and action in forms:
        form = forms[action]

        def run() -> None:
            if action == "adjust":
                stock.adjust(session, lot_id=lot_id, delta=form.delta.data,
                             reason=form.reason.data)
            else:
                stock.write_off(session, lot_id=lot_id, reason=form.reason.data or "")

        done = submit(form, "stock", run, _("Done: the ledger has the entry."),
                      url_for("inventory.lot", lot_id=lot_id))
        if done:
            return done
    session.refresh(found)
    history = session.scalars(select(LedgerEntry).where(LedgerEntry.lot_id == lot_id)
                              .order_by(LedgerEntry.id.desc())).all()
    return render_template("stock/lot.html", lot=found, history=history, forms=forms,
                           today=district_today(), writable=may("stock")), form_status()
