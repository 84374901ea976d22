"""The access matrix: every operation of the API × the four roles × where the record lies.

`OPS` names, for each (METHOD, rule) under /api/v1, the WRITERS domain a change needs (None
for reads and self-service), the kind of record its path names, the area that decides scope
and a plausible valid body for a place. The test of each operation calls it as admin and
coordinator (the district D01), official (street S01) and staff (community S01-C01) on
records of S01-C01 (own), S01-C02 (sibling community) and S02-C01 (the other street):

- expected = the role may (WRITERS for writes, every role for reads unless the spec says
  otherwise) and the record's area lies in the caller's subtree;
- refused -> a 403 or 404 problem and nothing in the database changed;
- allowed -> never 401/403, and 2xx where the body is valid and the state allows it;
- never a 5xx; without a token, 401 everywhere but the password exchange.

Refused combinations run before allowed ones, so deletes and one-way moves cannot hide a
refusal. Targets are made at run time as admin (or, where a workflow needs it, by the
system), so the test does not depend on the demo's codes.
"""
from __future__ import annotations

import hashlib
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from app.core.access import AUDIT_READERS, WRITERS
from app.core.clock import district_today
from app.core.vocabulary import Role
from tests.helpers import PROBLEM, page_token, signed_in, stored

OWN, SIBLING, OTHER = "S01-C01", "S01-C02", "S02-C01"
PLACES = (OWN, SIBLING, OTHER)
USERS = {"admin": (Role.ADMIN, "D01"), "coordinator": (Role.COORDINATOR, "D01"),
         "official": (Role.OFFICIAL, "S01"), "staff": (Role.COMMUNITY_STAFF, "S01-C01")}
EVERYONE = frozenset(USERS)
#: tables a refused request may touch: the caller's token records its last use
VOLATILE = {"api_tokens", "alembic_version"}


def covers(user: str, area: str) -> bool:
    root = USERS[user][1]
    return root == "D01" or area == root or area.startswith(f"{root}-")


def role_may(user: str, domain: str) -> bool:
    return USERS[user][0] in WRITERS[domain]


def street(place: str) -> str:
    return place.split("-")[0]


def future(days: int = 30) -> str:
    return (datetime.now() + timedelta(days=days)).strftime("%Y-%m-%dT09:30")


# ---------------------------------------------------------------- the world of one test

class World:
    """Targets for one operation's test, made as admin through the API or by the system."""

    def __init__(self, app: Any, client: Any, auth: Any) -> None:
        self.app, self.client, self.auth = app, client, auth
        self.n = itertools.count(1)
        self.cache: dict[tuple[str, str], Any] = {}
        self.writes = 0  # set-up steps that may have changed the database

    def stored(self) -> Any:
        """A system session for set-up that writes (counted, like the admin calls)."""
        self.writes += 1
        return stored(self.app)

    def uniq(self, prefix: str) -> str:
        return f"{prefix}{next(self.n):03d}"

    def admin(self, method: str, url: str, status: int | tuple[int, ...] = (200, 201),
              **kw: Any) -> Any:
        self.writes += 1
        resp = getattr(self.client, method)(url, headers=self.auth("admin"), **kw)
        wanted = (status,) if isinstance(status, int) else status
        assert resp.status_code in wanted, (method, url, resp.status_code,
                                            resp.get_data(as_text=True)[:500])
        return resp.json if resp.mimetype.endswith("json") else resp

    def once(self, kind: str, place: str, make: Callable[[], Any]) -> Any:
        if (kind, place) not in self.cache:
            self.cache[(kind, place)] = make()
        return self.cache[(kind, place)]

    # -- master data
    def depot(self, place: str) -> str:
        def make() -> str:
            code = self.uniq(f"MXD-{place}-")
            self.admin("post", "/api/v1/depots", json={"code": code, "name_zh": code,
                                                       "area": place})
            return code
        return str(self.once("depot", place, make))

    def new_depot(self, place: str) -> str:
        code = self.uniq(f"MXD-{place}-")
        area = self.once("area", place, lambda: self.admin("get", f"/api/v1/areas/{place}"))
        self.admin("post", "/api/v1/depots", json={"code": code, "name_zh": code, "area": place,
                                                   "lat": area["lat"], "lon": area["lon"]})
        return code

    def lot(self, place: str, expired: bool = False) -> int:
        number = self.uniq("MX-LOT-")
        body: dict[str, Any] = {"depot": self.depot(place), "item": "QUILT",
                                "quantity": 100, "lot_number": number}
        if expired:
            body = {**body, "item": "WATER-DRINK", "received_on": "2020-01-01",
                    "expiry_date": "2020-06-01"}
        moved = self.admin("post", "/api/v1/stock/receipts", json=body)
        return int(moved["lot_id"]) if "lot_id" in moved else int(moved["lot"]["id"])

    def stocked(self, place: str) -> str:
        return str(self.once("stocked", place, lambda: (self.lot(place), self.depot(place))[1]))

    def reservation(self, place: str) -> str:
        ref = self.uniq(f"MX-RES-{place}-")
        self.admin("post", "/api/v1/stock/reservations", json={
            "depot": self.stocked(place), "item": "QUILT", "quantity": 1, "reference": ref})
        return ref

    def shelter(self, place: str) -> str:
        code = self.uniq(f"MXS-{place}-")
        self.admin("post", "/api/v1/shelters", json={
            "code": code, "name_zh": code, "area": place, "duration_class": "emergency",
            "grade": "community", "capacity": 200})
        return code

    def vehicle(self, place: str) -> str:
        code = self.uniq(f"MXV-{place}-")
        self.admin("post", "/api/v1/vehicles", json={
            "code": code, "plate": "粤B·M0001", "depot": self.depot(place), "kind": "van",
            "payload_kg": 1500, "volume_m3": 8})
        return code

    def point(self, place: str) -> str:
        """A receiving point of a new grid of the place (one point per area)."""
        code = self.uniq(f"MXP-{place}-")
        self.admin("post", "/api/v1/receiving-points", json={
            "code": code, "area": self.grid(place), "kind": "address",
            "address": "测试路1号", "contact_name": "测试", "contact_phone": "13800000000"})
        return code

    def team(self, place: str) -> str:
        code = self.uniq(f"MXT-{place}-")
        self.admin("post", "/api/v1/teams", json={"code": code, "name_zh": code,
                                                  "kind": "volunteer", "home_area": place})
        return code

    def member(self, place: str) -> int:
        team = self.once("team", place, lambda: self.team(place))
        made = self.admin("post", f"/api/v1/teams/{team}/members", json={"name": "测试队员"})
        return int(made["id"])

    def norm(self, place: str) -> int:
        made = self.admin("post", "/api/v1/norms", json={
            "item": "WATER-DRINK", "quantity": 4, "area": place, "status": "unverified",
            "source": f"{place} 测试"})
        return int(made["id"])

    def item(self) -> str:
        code = self.uniq("MX-ITEM-")
        self.admin("post", "/api/v1/items", json={
            "code": code, "name_zh": code, "category": "hygiene", "unit_zh": "个",
            "unit_en": "piece"})
        return code

    def grid(self, place: str) -> str:
        code = self.uniq(f"{place}-X")
        self.admin("post", "/api/v1/areas", json={"code": code, "level": "grid",
                                                  "parent": place, "name_zh": code})
        return code

    def user(self, place: str) -> str:
        name = self.uniq(f"mx-{place.lower()}-")
        self.admin("post", "/api/v1/users", json={
            "username": name, "password": "a long test password 1", "role": "community_staff",
            "area": place})
        return name

    # -- drills
    def drill(self, place: str, **over: Any) -> str:
        made = self.admin("post", "/api/v1/drills", json={
            "title": "矩阵测试演练", "exercise_type": "drill", "form": "live",
            "hazard": "fire", "area": place, "starts_at": future(), "duration_minutes": 60,
            **over})
        return str(made["codes"][0])

    def series(self, place: str) -> str:
        return self.drill(place, rrule="FREQ=MONTHLY;COUNT=3")

    def action(self, place: str) -> str:
        made = self.admin("post", "/api/v1/corrective-actions", json={
            "area": place, "title": "矩阵测试整改", "element": "planning", "owner": "安全员",
            "due_on": (district_today() + timedelta(days=30)).isoformat()})
        return str(made["code"])

    def requirement(self) -> str:
        code = self.uniq("MX-REQ-")
        self.admin("post", "/api/v1/drill-requirements", json={
            "code": code, "name_zh": code, "unit": "community", "every_months": 12,
            "source": "矩阵测试"})
        return code

    # -- contingency plans
    def plan(self, place: str) -> str:
        code = self.uniq(f"MXP-{place}-")
        self.admin("post", "/api/v1/plans", json={"code": code, "area": place,
                                                  "title_zh": code, "hazards": ["flood"]})
        return code

    def version(self, place: str, status: str) -> tuple[str, int]:
        """A plan of the place with a version in `status` (draft, submitted or approved),
        moved there by the system (so no demo user is its submitter)."""
        from app.contingency import services as plans

        code = self.plan(place)
        with self.stored() as session:
            found = plans.new_draft(session, code, "")
            number = found.number
            if status in ("submitted", "approved"):
                plans.submit(session, code, number)
            if status == "approved":
                plans.approve(session, code, number)
        return code, number

    # -- incidents
    def incident(self, place: str, *, plan: bool = True, big: bool = False) -> str:
        people = {"affected": 90_000, "displaced": 80_000} if big else {"displaced": 30}
        made = self.admin("post", "/api/v1/incidents", json={
            "title": "矩阵测试", "hazard": "flood", "level": 4,
            "areas": [{"area": place, **people}], "plan": plan})
        return str(made["code"])

    def confirmed_plan(self, place: str) -> tuple[str, int]:
        code = self.incident(place)
        number = self.admin("get", f"/api/v1/incidents/{code}")["plan"]["number"]
        self.admin("post", f"/api/v1/incidents/{code}/plans/{number}/confirm")
        return code, number

    def shared_incident(self, place: str) -> str:
        return str(self.once("incident", place, lambda: self.incident(place)))

    def draft_incident(self, place: str) -> str:
        from app.incidents import services as incidents

        with self.stored() as session:
            return str(incidents.declare(
                session, title="矩阵测试草稿", hazard="flood", level=4,
                areas=[incidents.AreaInput(place)], draft=True,
                reference=self.uniq("mx,")))

    def sitrep_photo(self, code: str, place: str) -> int:
        """A situation report with a photo in the incident's log, added by the system."""
        from app.incidents import sitreps

        with self.stored() as session:
            return sitreps.add(session, code, sitreps.ReportInput(
                "矩阵测试", place, photo=b"\x89PNG\r\n\x1a\n" + bytes(16)))

    def task(self, place: str) -> int:
        found = self.admin("get", f"/api/v1/incidents/{self.shared_incident(place)}")
        return int(found["checklist"][0]["id"])

    def dispatch(self, place: str) -> str:
        """A reserved dispatch order delivering into the place from one of its depots."""
        depot = self.new_depot(place)
        self.admin("post", "/api/v1/stock/receipts", json={  # above the protected reserve
            "depot": depot, "item": "WATER-DRINK", "quantity": 2500,
            "lot_number": self.uniq("MX-W-"),
            "expiry_date": (district_today() + timedelta(days=700)).isoformat()})
        code = self.incident(place, plan=False)
        areas = [a["area"] for a in self.admin("get", f"/api/v1/incidents/{code}")["areas"]]
        number = self.admin("post", f"/api/v1/incidents/{code}/plans", json={
            "pinned": [{"depot": depot, "area": a} for a in areas]})["number"]
        made = self.admin("post", f"/api/v1/incidents/{code}/plans/{number}/confirm")
        ours = [d for d in made["dispatches"]
                if (found := self.admin("get", f"/api/v1/dispatches/{d}"))["depot"] == depot
                and found["area"].startswith(place)]
        assert ours, f"no dispatch order into {place}: {made}"
        return str(ours[0])

    def dispatch_incident(self, place: str) -> str:
        """A fresh dispatch order into the place (the bulk body names it); its incident."""
        order = self.dispatch(place)
        self.cache[("order", place)] = order
        return str(self.admin("get", f"/api/v1/dispatches/{order}")["incident"])

    def notification(self, place: str) -> int:
        from app.areas.models import Area
        from app.notifications.models import Notification

        with self.stored() as session:
            area = session.scalar(select(Area).where(Area.code == place))
            note = Notification(kind="reminder", area_id=area.id, subject_zh="矩阵测试",
                                subject_en="matrix test", body="", dedup_key=self.uniq("mx-"))
            session.add(note)
            session.flush()
            return int(note.id)

    def token(self, user: str) -> int:
        from app.accounts.models import ApiToken
        from app.accounts.services import issue_token

        with self.stored() as session:
            _clear, token = issue_token(session, user, self.uniq("mx-"))
            session.flush()
            return int(session.scalar(select(ApiToken.id).where(ApiToken.id == token.id)))

    def cap_xml(self, place: str) -> bytes:
        code = self.incident(place, plan=False)
        index = self.admin("get", f"/api/v1/incidents/{code}/cap")
        number = index["alerts"][0]["number"]
        xml = self.admin("get", f"/api/v1/incidents/{code}/cap/{number}.xml").get_data()
        self.admin("post", f"/api/v1/incidents/{code}/close")
        return re.sub(rb"<identifier>[^<]*</identifier>",
                      f"<identifier>{self.uniq('MX-CAP-')}</identifier>".encode(), xml, count=1)


# ---------------------------------------------------------------- the table

Body = Callable[[World, str], dict[str, Any]]


@dataclass(frozen=True)
class Op:
    domain: str | None = None          # WRITERS domain; None: a read or self-service
    target: str | None = None          # what the path names (see TARGETS); None: a collection
    body: Body | None = None           # a valid JSON body for a place
    query: Body | None = None          # query parameters for a place
    roles: frozenset[str] | None = None  # who may at all, when not WRITERS or everyone
    area: Callable[[str], str | None] = lambda place: place  # the area deciding scope
    fresh: bool = False                # every allowed call gets a target of its own
    ok: tuple[int, ...] = ()           # further statuses an allowed call may meet (state)
    files: Callable[[World, str], dict[str, Any]] | None = None
    raw: Callable[[World, str], bytes] | None = None  # an XML body
    may: Callable[[str, str], bool] | None = None  # a rule of its own (user, place)

    def allowed(self, user: str, place: str) -> bool:
        if self.may is not None:
            return self.may(user, place)
        if self.roles is not None:
            role_ok = user in self.roles
        else:
            role_ok = self.domain is None or role_may(user, self.domain)
        area = self.area(place)
        return role_ok and (area is None or covers(user, area))


def anywhere(_place: str) -> None:
    return None


def district(_place: str) -> str:
    return "D01"


def in_area(_w: World, place: str) -> dict[str, Any]:
    return {"area": place}


def none(_w: World, _place: str) -> dict[str, Any]:
    return {}


def issue_body(w: World, place: str) -> dict[str, Any]:
    return {"depot": w.stocked(place), "item": "QUILT", "quantity": 1}


def _csv(w: World, place: str) -> dict[str, Any]:
    code = w.uniq(f"MXI-{place}-")
    data = f"code,name_zh,area\n{code},{code},{place}\n".encode()
    return {"file": (io.BytesIO(data), "depots.csv")}


def _record(w: World, place: str) -> dict[str, Any]:
    return {"summary": "矩阵测试记录", "attendance": [
        {"team": w.once("team", place, lambda: w.team(place)), "expected": 5, "present": 4}]}


DELETES = {"ok": (409,)}
CONFLICTS = (409,)
PLAN_APPROVERS = frozenset({"admin", "coordinator", "official"})

OPS: dict[tuple[str, str], Op] = {
    # accounts, tokens, audit
    ("POST", "/api/v1/auth/token"): Op(area=anywhere),
    ("GET", "/api/v1/me"): Op(area=anywhere),
    ("GET", "/api/v1/openapi.json"): Op(area=anywhere),
    ("GET", "/api/v1/tokens"): Op(area=anywhere),
    ("DELETE", "/api/v1/tokens/<int:token_id>"): Op(
        target="token", fresh=True, may=lambda _user, place: place == OWN),
    ("GET", "/api/v1/users"): Op(query=in_area, roles=frozenset({"admin"})),
    ("POST", "/api/v1/users"): Op("users", body=lambda w, p: {
        "username": w.uniq("mx-new-"), "password": "a long test password 2",
        "role": "official", "area": p}),
    ("PATCH", "/api/v1/users/<username>"): Op("users", target="user",
                                              body=lambda w, p: {"display_name": "改名"}),
    ("GET", "/api/v1/audit"): Op(area=anywhere, roles=frozenset(
        u for u, (role, _a) in USERS.items() if role in AUDIT_READERS)),
    # areas
    ("GET", "/api/v1/areas"): Op(query=in_area),
    ("POST", "/api/v1/areas"): Op("areas", body=lambda w, p: {
        "code": w.uniq(f"{p}-N"), "level": "grid", "parent": p, "name_zh": "新网格"}),
    ("GET", "/api/v1/areas/<code>"): Op(target="area"),
    ("PATCH", "/api/v1/areas/<code>"): Op("areas", target="area",
                                          body=lambda w, p: {"name_en": f"{p} renamed"}),
    ("DELETE", "/api/v1/areas/<code>"): Op("areas", target="grid", fresh=True, **DELETES),
    ("GET", "/api/v1/districts/<code>/levels"): Op(target="district", area=district),
    ("GET", "/api/v1/districts/<code>/levels/<int:level>"): Op(target="level", area=district),
    ("PATCH", "/api/v1/districts/<code>/levels/<int:level>"): Op(
        "levels", target="level", area=district, body=lambda w, p: {"trigger_en": "matrix"}),
    # items and norms (the catalogue is the district's)
    ("GET", "/api/v1/items"): Op(area=anywhere),
    ("POST", "/api/v1/items"): Op("items", area=district, body=lambda w, p: {
        "code": w.uniq("MX-NEW-"), "name_zh": "测试物资", "category": "hygiene",
        "unit_zh": "个", "unit_en": "piece"}),
    ("GET", "/api/v1/items/<code>"): Op(target="item", area=anywhere),
    ("PATCH", "/api/v1/items/<code>"): Op("items", target="item", area=district,
                                          body=lambda w, p: {"min_per_depot": 3}),
    ("DELETE", "/api/v1/items/<code>"): Op("items", target="item", area=district, fresh=True,
                                           **DELETES),
    # the norms list answers with the norms that apply to the caller, whatever the area
    ("GET", "/api/v1/norms"): Op(query=in_area, area=anywhere),
    ("POST", "/api/v1/norms"): Op("norms", body=lambda w, p: {
        "item": "QUILT", "quantity": 1, "area": p, "status": "unverified",
        "source": "矩阵测试"}),
    ("GET", "/api/v1/norms/<int:norm_id>"): Op(target="norm"),
    ("PATCH", "/api/v1/norms/<int:norm_id>"): Op("norms", target="norm",
                                                 body=lambda w, p: {"quantity": 5}),
    ("DELETE", "/api/v1/norms/<int:norm_id>"): Op("norms", target="norm", fresh=True),
    # depots and stock
    ("GET", "/api/v1/depots"): Op(query=in_area),
    ("POST", "/api/v1/depots"): Op("depots", body=lambda w, p: {
        "code": w.uniq(f"MXN-{p}-"), "name_zh": "新仓库", "area": p}),
    ("GET", "/api/v1/depots/<code>"): Op(target="depot"),
    ("PATCH", "/api/v1/depots/<code>"): Op("depots", target="depot",
                                           body=lambda w, p: {"address": "矩阵路1号"}),
    ("DELETE", "/api/v1/depots/<code>"): Op("depots", target="new_depot", fresh=True,
                                            **DELETES),
    ("PUT", "/api/v1/depots/<code>/minimums/<item>"): Op("depots", target="depot_item",
                                                         body=lambda w, p: {"minimum": 7}),
    ("GET", "/api/v1/depots/<code>/reserves"): Op(target="depot"),
    ("PUT", "/api/v1/depots/<code>/reserves/<item>"): Op(
        "depots", target="depot_item", body=lambda w, p: {"units": 7, "source": "矩阵测试"}),
    ("GET", "/api/v1/lots"): Op(query=in_area),
    ("GET", "/api/v1/lots/<int:lot_id>"): Op(target="lot"),
    ("GET", "/api/v1/ledger"): Op(query=in_area),
    ("POST", "/api/v1/stock/receipts"): Op("stock", body=lambda w, p: {
        "depot": w.depot(p), "item": "QUILT", "quantity": 5, "lot_number": w.uniq("MX-R-")}),
    ("POST", "/api/v1/stock/issues"): Op("stock", body=issue_body),
    ("POST", "/api/v1/stock/transfers"): Op("stock", body=lambda w, p: {
        "from_depot": w.stocked(p), "to_depot": w.once("to", p, lambda: w.new_depot(p)),
        "item": "QUILT", "quantity": 1}),
    ("POST", "/api/v1/stock/adjustments"): Op("stock", body=lambda w, p: {
        "lot_id": w.lot(p), "delta": -1, "reason": "盘点"}),
    ("POST", "/api/v1/stock/write-offs"): Op("stock", body=lambda w, p: {
        "lot_id": w.lot(p, expired=True), "reason": "过期"}),
    ("POST", "/api/v1/stock/reservations"): Op("stock", body=lambda w, p: {
        **issue_body(w, p), "reference": w.uniq("MX-RSV-")}),
    ("POST", "/api/v1/stock/releases"): Op("stock", body=lambda w, p: {
        "reference": w.reservation(p)}),
    ("GET", "/api/v1/stock/summary"): Op(query=in_area),
    ("GET", "/api/v1/stock/verify"): Op(area=anywhere),
    # shelters, teams, members
    ("GET", "/api/v1/shelters"): Op(query=in_area),
    ("POST", "/api/v1/shelters"): Op("shelters", body=lambda w, p: {
        "code": w.uniq(f"MXN-{p}-"), "name_zh": "新避难点", "area": p,
        "duration_class": "emergency", "grade": "community", "capacity": 100}),
    ("GET", "/api/v1/shelters/<code>"): Op(target="shelter"),
    ("PATCH", "/api/v1/shelters/<code>"): Op("shelters", target="shelter",
                                             body=lambda w, p: {"capacity": 250}),
    ("DELETE", "/api/v1/shelters/<code>"): Op("shelters", target="shelter", fresh=True,
                                              **DELETES),
    ("POST", "/api/v1/shelters/<code>/occupancy"): Op("occupancy", target="shelter",
                                                      body=lambda w, p: {"occupancy": 10}),
    ("GET", "/api/v1/hxl/shelters.csv"): Op(query=in_area),
    # receiving points and vehicles
    ("GET", "/api/v1/receiving-points"): Op(query=in_area),
    ("POST", "/api/v1/receiving-points"): Op("points", body=lambda w, p: {
        "code": w.uniq(f"MXN-{p}-"), "area": w.grid(p), "kind": "address",
        "address": "测试路2号", "contact_name": "测试", "contact_phone": "13800000001"}),
    ("GET", "/api/v1/receiving-points/<code>"): Op(target="point"),
    ("PATCH", "/api/v1/receiving-points/<code>"): Op("points", target="point",
                                                     body=lambda w, p: {"contact_name": "新"}),
    ("DELETE", "/api/v1/receiving-points/<code>"): Op("points", target="point", fresh=True,
                                                      **DELETES),
    ("GET", "/api/v1/vehicles"): Op(query=in_area),
    ("POST", "/api/v1/vehicles"): Op("depots", body=lambda w, p: {
        "code": w.uniq(f"MXN-{p}-"), "plate": "粤B·N0001", "depot": w.depot(p),
        "kind": "pickup", "payload_kg": 800, "volume_m3": 3}),
    ("GET", "/api/v1/vehicles/<code>"): Op(target="vehicle"),
    ("PATCH", "/api/v1/vehicles/<code>"): Op("depots", target="vehicle",
                                             body=lambda w, p: {"payload_kg": 900}),
    ("DELETE", "/api/v1/vehicles/<code>"): Op("depots", target="vehicle", fresh=True,
                                              **DELETES),
    ("GET", "/api/v1/teams"): Op(query=in_area),
    ("POST", "/api/v1/teams"): Op("teams", body=lambda w, p: {
        "code": w.uniq(f"MXN-{p}-"), "name_zh": "新队伍", "kind": "volunteer",
        "home_area": p}),
    ("GET", "/api/v1/teams/<code>"): Op(target="team"),
    ("PATCH", "/api/v1/teams/<code>"): Op("teams", target="team",
                                          body=lambda w, p: {"base_address": "矩阵路2号"}),
    ("DELETE", "/api/v1/teams/<code>"): Op("teams", target="team", fresh=True, **DELETES),
    ("POST", "/api/v1/teams/<code>/members"): Op("teams", target="team",
                                                 body=lambda w, p: {"name": "新队员"}),
    ("GET", "/api/v1/members/<int:member_id>"): Op(target="member"),
    ("PATCH", "/api/v1/members/<int:member_id>"): Op("teams", target="member",
                                                     body=lambda w, p: {"phone": "13800000000"}),
    ("DELETE", "/api/v1/members/<int:member_id>"): Op("teams", target="member", fresh=True),
    # drills, records, corrective actions, requirements, calendars
    ("GET", "/api/v1/drills"): Op(query=in_area),
    ("POST", "/api/v1/drills"): Op("drills", body=lambda w, p: {
        "title": "新演练", "exercise_type": "drill", "form": "live", "hazard": "fire",
        "area": p, "starts_at": future(40), "duration_minutes": 60}),
    ("GET", "/api/v1/drills/<code>"): Op(target="drill"),
    ("PATCH", "/api/v1/drills/<code>"): Op("drills", target="drill",
                                           body=lambda w, p: {"notes": "矩阵测试"}),
    ("POST", "/api/v1/drills/<code>/status"): Op("drills", target="drill", fresh=True,
                                                 body=lambda w, p: {"status": "confirmed"}),
    ("POST", "/api/v1/drills/<code>/cancel-series"): Op(
        "drills", target="series", fresh=True, body=lambda w, p: {"reason": "矩阵测试"}),
    ("POST", "/api/v1/drills/<code>/exercise"): Op("exercises", target="drill", fresh=True,
                                                   body=lambda w, p: {"level": 4}),
    ("GET", "/api/v1/drills/<code>/record"): Op(target="drill"),
    ("PUT", "/api/v1/drills/<code>/record"): Op("drills", target="drill", body=_record),
    ("GET", "/api/v1/corrective-actions"): Op(query=in_area),
    ("POST", "/api/v1/corrective-actions"): Op("actions", body=lambda w, p: {
        "area": p, "title": "新整改", "element": "training", "owner": "安全员",
        "due_on": (district_today() + timedelta(days=20)).isoformat()}),
    ("GET", "/api/v1/corrective-actions/<code>"): Op(target="action"),
    ("PATCH", "/api/v1/corrective-actions/<code>"): Op("actions", target="action",
                                                       body=lambda w, p: {"owner": "新负责人"}),
    ("GET", "/api/v1/drill-requirements"): Op(area=anywhere),
    ("POST", "/api/v1/drill-requirements"): Op("requirements", area=district,
                                               body=lambda w, p: {
        "code": w.uniq("MX-NREQ-"), "name_zh": "新要求", "unit": "community",
        "every_months": 12, "source": "矩阵测试"}),
    ("GET", "/api/v1/drill-requirements/<code>"): Op(target="requirement", area=anywhere),
    ("PATCH", "/api/v1/drill-requirements/<code>"): Op(
        "requirements", target="requirement", area=district,
        body=lambda w, p: {"every_months": 24}),
    ("GET", "/api/v1/compliance"): Op(query=in_area),
    ("GET", "/api/v1/calendar/areas/<code>.ics"): Op(target="area"),
    ("GET", "/api/v1/calendar/teams/<code>.ics"): Op(target="team"),
    # contingency plans
    ("GET", "/api/v1/plans"): Op(query=in_area),
    ("POST", "/api/v1/plans"): Op("plans", body=lambda w, p: {
        "code": w.uniq(f"MXN-{p}-"), "area": p, "title_zh": "新预案", "hazards": ["fire"]}),
    ("GET", "/api/v1/plans/<code>"): Op(target="plan"),
    ("PATCH", "/api/v1/plans/<code>"): Op("plans", target="plan",
                                          body=lambda w, p: {"scenario_days": 5}),
    ("GET", "/api/v1/plans/<code>/pdf"): Op(target="plan"),
    ("GET", "/api/v1/plans/<code>/versions"): Op(target="plan"),
    ("POST", "/api/v1/plans/<code>/versions"): Op("plans", target="plan", fresh=True,
                                                  body=lambda w, p: {"note": "矩阵"}),
    ("GET", "/api/v1/plans/<code>/versions/<int:number>.pdf"): Op(target="draft"),
    ("POST", "/api/v1/plans/<code>/versions/<int:number>/submit"): Op(
        "plans", target="draft", fresh=True),
    # approvers answer for the area above the plan's
    ("POST", "/api/v1/plans/<code>/versions/<int:number>/approve"): Op(
        target="submitted", fresh=True, roles=PLAN_APPROVERS, area=street,
        body=lambda w, p: {"comment": "同意"}),
    ("POST", "/api/v1/plans/<code>/versions/<int:number>/return"): Op(
        target="submitted", fresh=True, roles=PLAN_APPROVERS, area=street,
        body=lambda w, p: {"comment": "请补充"}),
    ("POST", "/api/v1/plans/<code>/versions/<int:number>/filing"): Op(
        target="approved", roles=PLAN_APPROVERS, area=street,
        body=lambda w, p: {"filed_on": None}),
    # incidents and dispatches
    ("GET", "/api/v1/incidents"): Op(area=anywhere),
    ("POST", "/api/v1/incidents"): Op("incidents", body=lambda w, p: {
        "hazard": "rainstorm", "level": 4, "areas": [{"area": p}], "plan": False}),
    ("POST", "/api/v1/alerts/import"): Op("incidents", raw=lambda w, p: w.cap_xml(p)),
    ("GET", "/api/v1/incidents/<code>"): Op(target="incident"),
    ("POST", "/api/v1/incidents/<code>/declare"): Op("incidents", target="draft_incident",
                                                     fresh=True, body=none),
    ("PUT", "/api/v1/incidents/<code>/level"): Op("incidents", target="incident", fresh=True,
                                                  body=lambda w, p: {"level": 3}),
    ("POST", "/api/v1/incidents/<code>/reserve-releases"): Op(
        "incidents", target="incident", fresh=True, body=lambda w, p: {"reason": "矩阵测试"}),
    ("PUT", "/api/v1/incidents/<code>/areas"): Op("incidents", target="incident",
                                                  body=lambda w, p: {"areas": [{"area": p}]}),
    ("PUT", "/api/v1/incidents/<code>/tasks/<int:task_id>"): Op(
        "incidents", target="task", body=lambda w, p: {"done": True}),
    ("POST", "/api/v1/incidents/<code>/close"): Op("incidents", target="incident", fresh=True,
                                                   body=lambda w, p: {"release_open": True}),
    ("GET", "/api/v1/incidents/<code>/needs"): Op(target="incident"),
    ("POST", "/api/v1/incidents/<code>/plans"): Op("incidents", target="incident", body=none),
    ("GET", "/api/v1/incidents/<code>/plans/<int:number>"): Op(target="incident_plan"),
    ("POST", "/api/v1/incidents/<code>/plans/<int:number>/confirm"): Op(
        "incidents", target="incident_plan", fresh=True),
    ("GET", "/api/v1/incidents/<code>/cap"): Op(target="incident"),
    ("GET", "/api/v1/incidents/<code>/cap/<int:number>.xml"): Op(target="incident_cap"),
    ("GET", "/api/v1/incidents/<code>/edxl/request-resource.xml"): Op(
        target="short_incident"),
    ("GET", "/api/v1/incidents/<code>/plans/<int:number>/edxl/commit-resource.xml"): Op(
        target="confirmed_plan"),
    ("GET", "/api/v1/incidents/<code>/hxl/needs.csv"): Op(target="incident"),
    ("GET", "/api/v1/incidents/<code>/hxl/deliveries.csv"): Op(target="incident"),
    ("GET", "/api/v1/incidents/<code>/log"): Op(target="incident"),
    ("POST", "/api/v1/incidents/<code>/situation-reports"): Op(
        "sitreps", target="incident", body=lambda w, p: {"text": "矩阵测试", "area": p}),
    ("GET", "/api/v1/incidents/<code>/situation-reports/<int:report_id>/photo"): Op(
        target="sitrep_photo"),
    ("GET", "/api/v1/dispatches"): Op(area=anywhere),
    ("GET", "/api/v1/dispatches/<code>"): Op(target="dispatch"),
    ("POST", "/api/v1/dispatches/<code>/deliver"): Op("dispatches", target="dispatch",
                                                      fresh=True),
    ("POST", "/api/v1/dispatches/<code>/cancel"): Op("dispatches", target="dispatch",
                                                     fresh=True),
    ("POST", "/api/v1/incidents/<code>/dispatches/bulk"): Op(
        "dispatches", target="dispatch_incident", fresh=True,
        body=lambda w, p: {"action": "cancel", "dispatches": [w.cache[("order", p)]]}),
    ("POST", "/api/v1/dispatches/<code>/dispatch"): Op("dispatches", target="dispatch",
                                                       fresh=True),
    ("POST", "/api/v1/dispatches/<code>/receipt"): Op("dispatches", target="dispatch",
                                                      fresh=True, body=lambda w, p: {}),
    # notifications (marking read is self-service for what the reader sees)
    ("GET", "/api/v1/notifications"): Op(query=in_area),
    ("POST", "/api/v1/notifications/<int:notification_id>/read"): Op(target="notification"),
    # CSV exchange: importing depots needs the depots domain as well as import
    ("GET", "/api/v1/export/<kind>"): Op(target="export", area=anywhere),
    ("POST", "/api/v1/import/<kind>"): Op("import", target="import", files=_csv,
                                          may=lambda u, p: role_may(u, "import")
                                          and role_may(u, "depots") and covers(u, p)),
}


# ---------------------------------------------------------------- path targets

def _target(w: World, kind: str, place: str, user: str) -> dict[str, Any]:
    """The path parameters naming a record of `kind` in `place` (made now)."""
    if kind == "token":  # the caller's own token (own place) or someone else's
        return {"token_id": w.token(user if place == OWN else "coordinator"
                                    if user != "coordinator" else "admin")}
    simple: dict[str, Callable[[], Any]] = {
        "user": lambda: ("username", w.once("user", place, lambda: w.user(place))),
        "area": lambda: ("code", place),
        "grid": lambda: ("code", w.grid(place)),
        "district": lambda: ("code", "D01"),
        "item": lambda: ("code", w.item()),
        "norm": lambda: ("norm_id", w.norm(place)),
        "depot": lambda: ("code", w.depot(place)),
        "new_depot": lambda: ("code", w.new_depot(place)),
        "lot": lambda: ("lot_id", w.lot(place)),
        "shelter": lambda: ("code", w.shelter(place)),
        "vehicle": lambda: ("code", w.vehicle(place)),
        "point": lambda: ("code", w.point(place)),
        "team": lambda: ("code", w.team(place)),
        "member": lambda: ("member_id", w.member(place)),
        "drill": lambda: ("code", w.drill(place)),
        "series": lambda: ("code", w.series(place)),
        "action": lambda: ("code", w.action(place)),
        "requirement": lambda: ("code", w.requirement()),
        "plan": lambda: ("code", w.plan(place)),
        "incident": lambda: ("code", w.incident(place)),
        "short_incident": lambda: ("code", w.incident(place, big=True)),
        "draft_incident": lambda: ("code", w.draft_incident(place)),
        "dispatch": lambda: ("code", w.dispatch(place)),
        "dispatch_incident": lambda: ("code", w.dispatch_incident(place)),
        "notification": lambda: ("notification_id", w.notification(place)),
        "export": lambda: ("kind", "depots"),
        "import": lambda: ("kind", "depots"),
    }
    if kind in simple:
        key, value = simple[kind]()
        return {key: value}
    if kind == "level":
        return {"code": "D01", "level": 4}
    if kind == "depot_item":
        return {"code": w.depot(place), "item": "QUILT"}
    if kind in ("draft", "submitted", "approved"):
        code, number = w.version(place, kind)
        return {"code": code, "number": number}
    if kind == "task":
        return {"code": w.shared_incident(place), "task_id": w.task(place)}
    if kind == "incident_plan":
        code = w.incident(place)
        return {"code": code, "number": w.admin("get", f"/api/v1/incidents/{code}")
                ["plan"]["number"]}
    if kind == "confirmed_plan":
        code, number = w.confirmed_plan(place)
        return {"code": code, "number": number}
    if kind == "sitrep_photo":
        code = w.shared_incident(place)
        return {"code": code, "report_id": w.sitrep_photo(code, place)}
    if kind == "incident_cap":
        code = w.shared_incident(place)
        index = w.admin("get", f"/api/v1/incidents/{code}/cap")
        return {"code": code, "number": index["alerts"][0]["number"]}
    raise AssertionError(f"no target kind {kind!r}")


def fill(rule: str, params: dict[str, Any]) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(params[m.group(1)]), rule)


def api_operations(app: Any) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


# ---------------------------------------------------------------- "nothing changed"

def fingerprint(app: Any) -> dict[str, str]:
    """A digest of every table's rows (but the tokens' last use)."""
    out = {}
    with stored(app) as session:
        for table in sorted(set(inspect(session.bind).get_table_names()) - VOLATILE):
            rows = session.execute(text(f'SELECT * FROM "{table}"')).all()
            digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
            out[table] = f"{len(rows)}:{digest[:12]}"
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [t for t in before if before[t] != after.get(t)]


# ---------------------------------------------------------------- the tests

def test_the_table_covers_exactly_the_apis_operations(app: Any) -> None:
    have = api_operations(app)
    missing = sorted(have - set(OPS))
    stale = sorted(set(OPS) - have)
    assert not missing, f"operations with no entry in OPS: {missing}"
    assert not stale, f"entries in OPS for no operation: {stale}"
    assert len(have) >= 120


def _request(w: World, method: str, rule: str, op: Op, user: str | None, place: str
             ) -> dict[str, Any]:
    """The keyword arguments of the call (bodies may make records they name, as admin)."""
    kw: dict[str, Any] = {}
    if op.body is not None:
        kw["json"] = op.body(w, place)
    elif method in ("POST", "PUT", "PATCH") and op.files is None and op.raw is None:
        kw["json"] = {}
    if op.query is not None:
        kw["query_string"] = op.query(w, place)
    if op.files is not None:
        kw["data"] = op.files(w, place)
        kw["content_type"] = "multipart/form-data"
    if op.raw is not None:
        kw["data"], kw["content_type"] = op.raw(w, place), "application/xml"
    if rule == "/api/v1/auth/token":
        kw["json"] = {"username": user or "staff", "password": "readygrid-demo"}
    kw["headers"] = w.auth(user) if user else {}
    return kw


def _send(w: World, method: str, rule: str, params: dict[str, Any], kw: dict[str, Any]) -> Any:
    return getattr(w.client, method.lower())(fill(rule, params), **kw)


def _describe(resp: Any) -> str:
    return f"{resp.status_code} {resp.get_data(as_text=True)[:300]}"


@pytest.mark.parametrize(("method", "rule"), sorted(OPS), ids=lambda x: str(x))
def test_every_role_and_place(app: Any, client: Any, demo: Any, auth: Any, method: str,
                              rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.contingency import pdf

    # access is decided before a plan is rendered; a real rendering costs seconds
    monkeypatch.setattr(pdf, "render", lambda *_a, **_k: (b"%PDF-1.4 matrix", 1))
    op = OPS[(method, rule)]
    w = World(app, client, auth)
    combos = [(u, p) for u in USERS for p in PLACES]
    combos.sort(key=lambda c: op.allowed(*c))  # refusals first
    shared: dict[str, dict[str, Any]] = {}

    def params_for(user: str, place: str, allowed: bool) -> dict[str, Any]:
        if op.target is None:
            return {}
        if op.fresh and allowed or op.target == "token":
            return _target(w, op.target, place, user)
        if place not in shared:
            shared[place] = _target(w, op.target, place, user)
        return shared[place]

    # without a token: 401 (the password exchange needs none)
    if rule != "/api/v1/auth/token":
        resp = _send(w, method, rule, params_for("admin", OWN, False),
                     _request(w, method, rule, op, None, OWN))
        assert resp.status_code == 401 and resp.mimetype == PROBLEM, _describe(resp)

    failures = []
    # the digest after a refusal is the one before the next, unless set-up wrote in between
    known: tuple[int, dict[str, str]] | None = None
    for user, place in combos:
        allowed = op.allowed(user, place)
        params = params_for(user, place, allowed)
        kw = _request(w, method, rule, op, user, place)
        before = None
        if not allowed and method != "GET":
            before = known[1] if known and known[0] == w.writes else fingerprint(app)
        resp = _send(w, method, rule, params, kw)
        where = f"{method} {fill(rule, params)} as {user} on {place}"
        known = None
        if resp.status_code >= 500:
            failures.append(f"{where}: {_describe(resp)}")
        elif not allowed:
            if not (resp.status_code in (403, 404) and resp.mimetype == PROBLEM):
                failures.append(f"{where}: expected 403/404 problem, got {_describe(resp)}")
            elif before is not None:
                after = fingerprint(app)
                if diff := changed(before, after):
                    failures.append(f"{where}: refused but changed {diff}")
                known = (w.writes, after)
        elif resp.status_code in (401, 403) or not (
                200 <= resp.status_code < 300 or resp.status_code in op.ok):
            failures.append(f"{where}: expected 2xx, got {_describe(resp)}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- pages

def _page_records(w: World) -> dict[str, dict[str, tuple[Any, Any]]]:
    """Per page prefix, the path parameters of an own and an other-street record."""
    def pair(make: Callable[[str], Any]) -> tuple[Any, Any]:
        return make(OWN), make(OTHER)

    depots, shelters = pair(w.depot), pair(w.shelter)
    teams, drills = pair(w.team), pair(w.drill)
    actions, plans = pair(w.action), pair(w.plan)
    incidents, dispatches = pair(w.shared_incident), pair(w.dispatch)
    lots = pair(w.lot)
    notes = pair(w.notification)
    return {
        "/actions": {"code": actions}, "/areas": {"code": (OWN, OTHER)},
        "/depots": {"code": depots}, "/drills": {"code": drills},
        "/drills/requirements": {"code": (w.requirement(), w.requirement())},
        "/incidents": {"code": incidents, "task_id": pair(w.task), "report_id": pair(
            lambda place: w.sitrep_photo(w.shared_incident(place), place))},
        "/lots": {"lot_id": lots}, "/dispatches": {"code": dispatches},
        "/plans": {"code": plans, "number": (1, 1)},
        "/shelters": {"code": shelters}, "/teams": {"code": teams},
        "/notifications": {"note_id": notes}, "/lang": {"code": ("en", "en")},
        "/levels": {"level": (4, 4)}, "/static": {"filename": ("app.css", "app.css")},
    }


def _page_path(rule: str, records: dict[str, dict[str, tuple[Any, Any]]],
               which: int) -> str | None:
    prefix = max((p for p in records if rule.startswith(p + "/")), key=len, default=None)
    if "<" not in rule:
        return rule
    if prefix is None:
        return None
    values = {name: pair[which] for name, pair in records[prefix].items()}
    values.setdefault("kind", "needs.csv" if "/exports/" in rule else "depots")
    values.setdefault("action", "cancel")
    for options, name in re.findall(r"<any\(([^)]*)\):(\w+)>", rule):  # its last option
        values.setdefault(name, options.split(",")[-1].strip())
    try:
        return fill(re.sub(r"<any\([^)]*\):(\w+)>", r"<\1>", rule), values)
    except KeyError:
        return None


def _page_rules(app: Any, method: str) -> list[str]:
    return sorted({r.rule for r in app.url_map.iter_rules()
                   if method in r.methods and not r.rule.startswith(("/api/", "/static"))})


SCOPED_PAGES = ("/actions/", "/dispatches/", "/areas/", "/depots/", "/drills/DRL", "/incidents/",
                "/lots/", "/plans/", "/shelters/", "/teams/")


def test_pages_for_every_role(app: Any, client: Any, demo: Any, auth: Any) -> None:
    w = World(app, client, auth)
    records = _page_records(w)
    failures = []
    staff, official = signed_in(app, "staff"), signed_in(app, "official")
    district = {"admin": signed_in(app, "admin"), "coordinator": signed_in(app, "coordinator")}
    for rule in _page_rules(app, "GET"):
        if rule == "/logout":
            continue
        for which, place in ((0, OWN), (1, OTHER)):
            path = _page_path(rule, records, which)
            if path is None:
                failures.append(f"GET {rule}: no path filled")
                continue
            for name, browser in district.items():  # the whole district is in scope
                resp = browser.get(path)
                if resp.status_code >= 500 or (name == "admin" and resp.status_code >= 400):
                    failures.append(f"GET {path} as {name}: {resp.status_code}")
            for name, browser in (("staff", staff), ("official", official)):
                resp = browser.get(path)
                if resp.status_code >= 500:
                    failures.append(f"GET {path} as {name}: {resp.status_code}")
                other_record = place == OTHER and path.startswith(SCOPED_PAGES) and (
                    rule.count("<") > 0 and not rule.startswith("/drills/requirements"))
                if other_record and resp.status_code not in (403, 404):
                    failures.append(f"GET {path} ({place}) as {name}: {resp.status_code}, "
                                    "expected 403/404")
    token = page_token(official)
    for rule in _page_rules(app, "POST"):
        if rule in ("/login", "/logout", "/password", "/lang/<code>"):
            continue
        if rule.startswith("/notifications"):
            continue  # marking read is self-service
        path = _page_path(rule, records, 0)
        if path is None:
            failures.append(f"POST {rule}: no path filled")
            continue
        before = fingerprint(app)
        resp = official.post(path, data={"csrf_token": token})
        if resp.status_code >= 500:
            failures.append(f"POST {path} as official: {resp.status_code}")
        elif resp.status_code not in (302, 303, 400, 403, 404, 422):
            failures.append(f"POST {path} as official: {resp.status_code}, expected a refusal")
        if diff := changed(before, fingerprint(app)):
            failures.append(f"POST {path} as official changed {diff}")
    assert not failures, "\n".join(failures)
