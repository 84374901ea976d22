"""CSV import (all rows or none, every error with its row and column) and export."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from app.areas.models import PEOPLE_FIELDS, Area
from app.core import audit, csvfile
from app.core.access import require_writer
from app.core.clock import district_today
from app.core.crud import Resource
from app.core.db import bulk_insert, unit_of_work, utcnow
from app.core.errors import DomainError, ValidationFailed
from app.core.i18n import _, lang
from app.core.lookup import actor, noun_of, owning_path
from app.core.vocabulary import LEVEL_ORDER, AreaLevel
from app.exchange.kinds import KINDS
from app.resources.models import Member, Qualification, ReceivingPoint, Shelter, Team
from app.resources.points import POINT
from app.resources.shelters import SHELTER
from app.resources.teams import TEAM
from app.stock.catalogue import DEPOT, ITEM
from app.stock.enums import LedgerKind
from app.stock.models import Depot, Item, LedgerEntry, StockLot, Vehicle
from app.stock.vehicles import VEHICLE


class ImportFailed(ValidationFailed):
    slug = "import-failed"


@dataclass
class ImportResult:
    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    encoding: str = "utf-8"
    has_hxl: bool = False
    dry_run: bool = False
    preview: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Errors:
    def __init__(self) -> None:
        self.items: list[csvfile.RowError] = []
        self.rows: set[int] = set()

    def add(self, row: int, column: str | None, message: str, value: Any = None) -> None:
        self.items.append(csvfile.RowError(row, column, message,
                                           None if value is None else str(value)))
        self.rows.add(row)

    def raise_if_any(self, kind: str) -> None:
        if not self.items:
            return
        first = self.items[0]
        if first.column:
            detail = _("%(n)s error(s); nothing was imported. First: row %(row)s, column "
                       "'%(column)s': %(message)s", n=len(self.items), row=first.row,
                       column=first.column, message=first.message)
        else:
            detail = _("%(n)s error(s); nothing was imported. First: row %(row)s: %(message)s",
                       n=len(self.items), row=first.row, message=first.message)
        raise ImportFailed(detail, field=first.column,
                           errors=[e.as_dict() for e in self.items[:500]], kind=kind)


def import_csv(session: Session, kind: str, raw: bytes, *, encoding: str | None = None,
               dry_run: bool = False) -> ImportResult:
    """Import a CSV of one kind: validate every row first, then write all rows in one go."""
    if kind not in KINDS:
        raise ValidationFailed(_("Unknown kind '%(kind)s'. Choose from: %(kinds)s.", kind=kind,
                                 kinds=", ".join(KINDS)),
                               field="kind")
    require_writer("import")
    require_writer(KIND_DOMAINS[kind])  # an import changes records of that kind's domain
    parsed = csvfile.parse(raw, KINDS[kind], encoding)
    errors = _Errors()
    errors.items.extend(parsed.errors)
    errors.raise_if_any(kind)
    result = ImportResult(kind, len(parsed.rows), encoding=parsed.encoding,
                          has_hxl=parsed.has_hxl, dry_run=dry_run,
                          preview=[{"row": n, **_jsonable(d)} for n, d in parsed.rows[:20]])
    _duplicates(parsed.rows, _KEYS[kind], errors)
    errors.raise_if_any(kind)
    with unit_of_work(session):
        _APPLY[kind](session, parsed.rows, errors, result)
        errors.raise_if_any(kind)  # raising here rolls back whatever was written
        digest = hashlib.sha256(raw).hexdigest()[:16]
        audit.record(session, "import", kind, digest,
                     f"CSV import of {kind}: {result.rows} rows, {result.created} created, "
                     f"{result.updated} updated", {"sha256_16": digest, "rows": result.rows})
        if dry_run:
            session.rollback()
            return result
    return result


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


#: the WRITERS domain of the records each kind of import writes
KIND_DOMAINS = {"areas": "areas", "items": "items", "depots": "depots", "shelters": "shelters",
                "teams": "teams", "members": "teams", "lots": "stock", "points": "points",
                "vehicles": "depots"}
_KEYS = {"areas": ("code",), "items": ("code",), "depots": ("code",), "shelters": ("code",),
         "teams": ("code",), "members": ("team", "name"),
         "lots": ("depot", "item", "lot_number"), "points": ("code",), "vehicles": ("code",)}


def _duplicates(rows: list[tuple[int, dict[str, Any]]], key: tuple[str, ...],
                errors: _Errors) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    for row_no, data in rows:
        k = tuple(data.get(c) for c in key)
        if k in seen:
            errors.add(row_no, key[-1], _("Duplicate of row %(row)s.", row=seen[k]),
                       "/".join(map(str, k)))
        else:
            seen[k] = row_no


def _areas_by_code(session: Session, codes: set[str]) -> dict[str, Area]:
    found: dict[str, Area] = {}
    code_list = list(codes)
    for i in range(0, len(code_list), 500):
        for area in session.scalars(select(Area).where(Area.code.in_(code_list[i:i + 500]))):
            found[area.code] = area
    return found


# ---- areas -------------------------------------------------------------------------------
def _apply_areas(session: Session, rows: list[tuple[int, dict[str, Any]]], errors: _Errors,
                 result: ImportResult) -> None:
    who = actor()
    in_file = {d["code"]: (n, d) for n, d in rows}
    existing = _areas_by_code(session, set(in_file) | {d["parent"] for _, d in rows
                                                       if d.get("parent")})
    levels = {c: a.level.value for c, a in existing.items()} | {c: d["level"]
                                                               for c, (_, d) in in_file.items()}
    for row_no, data in rows:
        old = existing.get(data["code"])
        parent = data.get("parent")
        if old is not None:
            old_parent = old.parent.code if old.parent_id else None
            if old.level.value != data["level"] or (parent or None) != old_parent:
                errors.add(row_no, "parent", _(
                    "%(code)s exists as a %(level)s under %(parent)s; level and parent cannot "
                    "change.", code=data["code"], level=old.level.label(lang()),
                    parent=old_parent), parent)
            elif not who.covers(old.path):
                errors.add(row_no, "code", _("This area is outside your responsibility."),
                           data["code"])
            continue
        if not parent:
            if data["level"] != AreaLevel.DISTRICT.value:
                errors.add(row_no, "parent", _("Only a district has no parent."))
            elif who.area_path:
                errors.add(row_no, "parent", _("Only a system administrator adds districts."))
            continue
        if parent not in levels:
            errors.add(row_no, "parent", _("Parent '%(parent)s' is neither in the file nor "
                                           "known.", parent=parent),
                       parent)
            continue
        want = LEVEL_ORDER.index(AreaLevel(levels[parent])) + 1
        if want >= len(LEVEL_ORDER) or LEVEL_ORDER[want].value != data["level"]:
            errors.add(row_no, "level", _(
                "Under a %(parent)s comes a %(expected)s, not a %(level)s.",
                parent=AreaLevel(levels[parent]).label(lang()),
                expected=LEVEL_ORDER[want].label(lang()) if want < len(LEVEL_ORDER) else "—",
                level=AreaLevel(data["level"]).label(lang())),
                       data["level"])
        elif parent in existing and not who.covers(existing[parent].path):
            errors.add(row_no, "parent", _("The parent is outside your responsibility."), parent)
    if errors.items:
        return
    by_level = sorted(rows, key=lambda r: LEVEL_ORDER.index(AreaLevel(r[1]["level"])))
    for _row_no, data in by_level:
        fields = {k: v for k, v in data.items() if k not in {"parent", "code", "level"}}
        area = existing.get(data["code"])
        if area is None:
            parent_obj = existing.get(data.get("parent") or "")
            area = Area(code=data["code"], level=AreaLevel(data["level"]),
                        parent_id=parent_obj.id if parent_obj else None, **fields)
            session.add(area)
            session.flush()
            area.path = f"{parent_obj.path if parent_obj else '/'}{area.id}/"
            existing[area.code] = area
            result.created += 1
        else:
            for k, v in fields.items():
                setattr(area, k, v)
            result.updated += 1
    session.flush()
    recompute_totals(session)


def recompute_totals(session: Session) -> None:
    """People totals of every area with sub-areas = sums of its sub-areas, bottom-up."""
    for level in (AreaLevel.COMMUNITY, AreaLevel.STREET, AreaLevel.DISTRICT):
        sets = ", ".join(
            f"{f} = (SELECT COALESCE(SUM(c.{f}), 0) FROM areas c WHERE c.parent_id = areas.id)"
            for f in PEOPLE_FIELDS)
        session.execute(text(
            f"UPDATE areas SET {sets} WHERE level = :level AND EXISTS "  # noqa: S608 fixed names
            "(SELECT 1 FROM areas c WHERE c.parent_id = areas.id)"), {"level": level.value})
    session.expire_all()


# ---- code-keyed master data ---------------------------------------------------------------
_REFS: dict[str, tuple[type, str]] = {  # csv column -> (model, fk attribute)
    "area": (Area, "area_id"), "home_area": (Area, "home_area_id"),
    "depot": (Depot, "depot_id"), "shelter": (Shelter, "shelter_id"),
}


def _refs_by_code(session: Session, model: type, codes: set[str]) -> dict[str, Any]:
    if model is Area:
        return _areas_by_code(session, codes)
    return {o.code: o for o in session.scalars(
        select(model).where(model.code.in_(list(codes))))}  # type: ignore[attr-defined]


def _upsert(res: Resource) -> Any:
    def apply(session: Session, rows: list[tuple[int, dict[str, Any]]], errors: _Errors,
              result: ImportResult) -> None:
        who = actor()
        ref_cols = [c for c in _REFS if any(c in d for _, d in rows)]
        found = {c: _refs_by_code(session, _REFS[c][0], {d[c] for _, d in rows if d.get(c)})
                 for c in ref_cols}
        existing = {o.code: o for o in session.scalars(select(res.model).where(
            res.model.code.in_([d["code"] for _, d in rows])))}  # type: ignore[attr-defined]
        with session.no_autoflush:  # a reference's lazy load must not flush a half-set row
            _rows(session, res, rows, errors, result, existing, found, who)
        if not errors.items:
            session.flush()
    return apply


def _rows(session: Session, res: Resource, rows: list[tuple[int, dict[str, Any]]],
          errors: _Errors, result: ImportResult, existing: dict[str, Any],
          found: dict[str, dict[str, Any]], who: Any) -> None:
    """Apply each row to its record (new or existing), collecting every error."""
    for row_no, data in rows:
        obj = existing.get(data["code"])
        if obj is None:
            obj = res.model()
            session.add(obj)
            result.created += 1
        else:
            # the record as it is decides, before the row may move it into the caller's area
            if res.scoped and not who.covers(owning_path(obj) or ""):
                errors.add(row_no, "code", _("This record is outside your responsibility."),
                           obj.code)
                continue
            result.updated += 1
        for key, value in data.items():
            if key in _REFS:
                if not value:  # an optional reference left empty
                    setattr(obj, _REFS[key][1], None)
                    continue
                ref = found[key].get(value)
                if ref is None:
                    errors.add(row_no, key, _("No %(noun)s with code '%(code)s'.",
                                              noun=noun_of(_REFS[key][0]), code=value), value)
                    continue
                if not who.covers(owning_path(ref) or ""):
                    errors.add(row_no, key, _("That record is outside your "
                                              "responsibility."), value)
                    continue
                setattr(obj, _REFS[key][1], ref.id)
            else:
                setattr(obj, key, value)
        if res.check is not None and row_no not in errors.rows:  # a bad reference: no echo
            try:
                res.check(session, obj)
            except DomainError as exc:
                errors.add(row_no, exc.field, exc.detail)


# ---- stock lots: bulk receipts -------------------------------------------------------------
def _apply_lots(session: Session, rows: list[tuple[int, dict[str, Any]]], errors: _Errors,
                result: ImportResult) -> None:
    who = actor()
    depots = {c: (i, p) for c, i, p in session.execute(
        select(Depot.code, Depot.id, Area.path).join(Area, Area.id == Depot.area_id))}
    items = dict(session.execute(select(Item.code, Item.id)).all())
    today = district_today()
    for row_no, d in rows:
        if d["depot"] not in depots:
            errors.add(row_no, "depot", _("No depot with code '%(code)s'.", code=d["depot"]),
                       d["depot"])
        elif not who.covers(depots[d["depot"]][1]):
            errors.add(row_no, "depot", _("That depot is outside your responsibility."),
                       d["depot"])
        if d["item"] not in items:
            errors.add(row_no, "item", _("No item with code '%(code)s'.", code=d["item"]),
                       d["item"])
        received = d.get("received_on") or today
        if d.get("expiry_date") and d["expiry_date"] < received:
            errors.add(row_no, "expiry_date", _("Expired stock cannot be received."),
                       d["expiry_date"])
        if len(d["lot_number"]) > 64:
            errors.add(row_no, "lot_number", _("A lot number has at most 64 characters."))
    if errors.items:
        return
    keys = [(depots[d["depot"]][0], items[d["item"]], d["lot_number"]) for _, d in rows]
    clash = _existing_lots(session, keys)
    for (row_no, d), key in zip(rows, keys, strict=True):
        if key in clash:
            errors.add(row_no, "lot_number", _(
                "Lot %(lot)s of %(item)s is already in %(depot)s; receive more through a "
                "receipt.", lot=d["lot_number"], item=d["item"], depot=d["depot"]),
                d["lot_number"])
    if errors.items:
        return
    now = utcnow()
    lot_rows = [{"depot_id": k[0], "item_id": k[1], "lot_number": k[2],
                 "expiry_date": d.get("expiry_date"), "received_on": d.get("received_on") or today,
                 "supplier": d.get("supplier", ""), "on_hand": d["quantity"], "reserved": 0,
                 "created_at": now, "updated_at": now} for (_, d), k in zip(rows, keys,
                                                                           strict=True)]
    ids = bulk_insert(session, StockLot, lot_rows, with_ids=True)
    bulk_insert(session, LedgerEntry, [
        {"lot_id": lot_id, "kind": LedgerKind.RECEIPT.value, "on_hand_delta": r["on_hand"],
         "reserved_delta": 0, "on_hand_after": r["on_hand"], "reserved_after": 0,
         "reason": "CSV import", "reference": "import", "user_id": who.user_id,
         "actor": who.label, "created_at": now} for lot_id, r in zip(ids, lot_rows,
                                                                     strict=True)])
    result.created = len(ids)


def _existing_lots(session: Session, keys: list[tuple[int, int, str]]) -> set[tuple[int, int,
                                                                                    str]]:
    depot_ids = {k[0] for k in keys}
    found: set[tuple[int, int, str]] = set()
    rows = session.execute(select(StockLot.depot_id, StockLot.item_id, StockLot.lot_number)
                           .where(StockLot.depot_id.in_(depot_ids)))
    wanted = set(keys)
    for row in rows:
        key = (row[0], row[1], row[2])
        if key in wanted:
            found.add(key)
    return found


# ---- members ------------------------------------------------------------------------------
def _apply_members(session: Session, rows: list[tuple[int, dict[str, Any]]], errors: _Errors,
                   result: ImportResult) -> None:
    who = actor()
    teams = {t.code: t for t in session.scalars(
        select(Team).options(selectinload(Team.members), selectinload(Team.home_area))
        .where(Team.code.in_({d["team"] for _, d in rows})))}
    for row_no, d in rows:
        team = teams.get(d["team"])
        if team is None:
            errors.add(row_no, "team", _("No team with code '%(code)s'.", code=d["team"]),
                       d["team"])
            continue
        if not who.covers(team.home_area.path):
            errors.add(row_no, "team", _("That team is outside your responsibility."), d["team"])
            continue
        member = next((m for m in team.members if m.name == d["name"]), None)
        if member is None:
            member = Member(name=d["name"])
            team.members.append(member)
            result.created += 1
        else:
            result.updated += 1
        member.role = d.get("role", member.role or "")
        member.phone = d.get("phone", member.phone or "")
        if "qualifications" in d:
            member.qualifications = [Qualification(**q) for q in d["qualifications"]]
    if not errors.items:
        session.flush()


_APPLY = {"areas": _apply_areas, "items": _upsert(ITEM), "depots": _upsert(DEPOT),
          "shelters": _upsert(SHELTER), "teams": _upsert(TEAM), "lots": _apply_lots,
          "members": _apply_members, "points": _upsert(POINT), "vehicles": _upsert(VEHICLE)}


# ---- export -------------------------------------------------------------------------------
def export_rows(session: Session, kind: str) -> list[Any]:
    """The records of a kind inside the actor's scope, in a stable order."""
    prefix = actor().area_path
    if kind == "areas":
        return list(session.scalars(select(Area).options(selectinload(Area.parent))
                                    .where(Area.path.startswith(prefix)).order_by(Area.path)))
    if kind == "items":
        return list(session.scalars(select(Item).order_by(Item.code)))
    if kind == "lots":
        return list(session.scalars(
            select(StockLot).join(Depot).join(Area, Area.id == Depot.area_id)
            .options(selectinload(StockLot.depot), selectinload(StockLot.item))
            .where(Area.path.startswith(prefix), StockLot.on_hand > 0)
            .order_by(StockLot.depot_id, StockLot.item_id, StockLot.expiry_date)))
    if kind == "members":
        return list(session.scalars(
            select(Member).join(Team).join(Area, Area.id == Team.home_area_id)
            .options(selectinload(Member.team), selectinload(Member.qualifications))
            .where(Area.path.startswith(prefix)).order_by(Team.code, Member.id)))
    if kind == "vehicles":
        return list(session.scalars(
            select(Vehicle).join(Depot).join(Area, Area.id == Depot.area_id)
            .options(selectinload(Vehicle.depot)).where(Area.path.startswith(prefix))
            .order_by(Vehicle.code)))
    model, rel = {"depots": (Depot, Depot.area), "shelters": (Shelter, Shelter.area),
                  "teams": (Team, Team.home_area),
                  "points": (ReceivingPoint, ReceivingPoint.area)}[kind]
    return list(session.scalars(select(model).join(rel).options(selectinload(rel))
                                .where(Area.path.startswith(prefix)).order_by(model.code)))


def export_csv(session: Session, kind: str, *, lang: str = "en", hxl: bool = True) -> str:
    if kind not in KINDS:
        raise ValidationFailed(_("Unknown kind '%(kind)s'. Choose from: %(kinds)s.", kind=kind,
                                 kinds=", ".join(KINDS)),
                               field="kind")
    return csvfile.write(KINDS[kind], export_rows(session, kind), lang=lang, hxl=hxl)


__all__ = ["ImportFailed", "ImportResult", "export_csv", "import_csv", "recompute_totals"]
