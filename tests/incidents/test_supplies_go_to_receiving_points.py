"""Receiving points: a plan sends a community's supplies to its one point (not to every grid),
every order carries the point's address and the person who signs for it, the community's
distribution list shares what arrives over its grids (vulnerable residents first), and the
depot's orders are packed onto its vehicles, never over payload or load space."""
from __future__ import annotations

import io
import random
from collections import defaultdict
from typing import Any

from optimizer import distribution, loads
from tests.helpers import is_problem

GRIDS = ["S01-C01-G01", "S01-C01-G02"]


def _declare(admin: Any, **over: Any) -> dict[str, Any]:
    resp = admin("post", "/api/v1/incidents", json={
        "title": "暴雨内涝", "hazard": "flood", "level": 3, "duration_days": 3,
        "areas": [{"area": g, "affected": 900, "displaced": 100} for g in GRIDS], **over})
    assert resp.status_code == 201, resp.json
    return resp.json


def test_a_communitys_grids_receive_at_its_point_with_address_and_contact(admin: Any) -> None:
    point = admin("get", "/api/v1/receiving-points/RP-S01-C01").json
    incident = _declare(admin)
    plan = incident["plan"]
    assert plan["shipments"], plan["summary"]
    # one destination for both grids: the community's point, never the grids themselves
    assert {s["area"] for s in plan["shipments"]} == {"S01-C01"}
    assert plan["points"]["S01-C01"]["members"] == GRIDS
    # the grids' needs rows still say what each grid gets, adding up to what is sent
    sent: dict[str, int] = defaultdict(int)
    for s in plan["shipments"]:
        sent[s["item"]] += s["quantity"]
    got: dict[str, int] = defaultdict(int)
    for row in plan["needs"]:
        assert row["area"] in GRIDS
        got[row["item"]] += row["planned"]
    assert dict(got) == {k: v for k, v in sent.items()}
    code = incident["code"]
    confirmed = admin("post", f"/api/v1/incidents/{code}/plans/{plan['number']}/confirm").json
    assert confirmed["dispatches"]
    for order in confirmed["dispatches"]:
        found = admin("get", f"/api/v1/dispatches/{order}").json
        assert found["area"] == "S01-C01"
        assert found["point"] == "RP-S01-C01"
        assert found["deliver_to"] == point["address"] and point["address"]
        assert (found["contact_name"], found["contact_phone"]) == (
            point["contact_name"], point["contact_phone"])
        assert found["loads"], found  # which vehicle carries it


def test_a_grid_with_a_point_of_its_own_receives_there(admin: Any) -> None:
    made = admin("post", "/api/v1/receiving-points", json={
        "code": "RP-S01-C01-G02", "area": "S01-C01-G02", "kind": "address",
        "address": "桃园小区3号楼下", "contact_name": "李敏", "contact_phone": "13912345678"})
    assert made.status_code == 201, made.json
    plan = _declare(admin)["plan"]
    assert {s["area"] for s in plan["shipments"]} == {"S01-C01", "S01-C01-G02"}


def test_without_points_every_area_receives_on_its_own(admin: Any) -> None:
    for code in ("RP-S01-C01",):
        assert admin("delete", f"/api/v1/receiving-points/{code}").status_code == 204
    plan = _declare(admin)["plan"]
    assert {s["area"] for s in plan["shipments"]} <= set(GRIDS)


def test_a_point_must_belong_to_the_community_and_name_who_signs(admin: Any) -> None:
    base = {"code": "RP-NEW", "area": "S01-C02-G01", "kind": "address", "address": "x路1号",
            "contact_name": "王伟", "contact_phone": "13800000000"}
    cases = [({"area": "S01"}, "area"),  # a street receives through its communities
             ({"kind": "depot", "depot": "DEP-S01"}, "depot"),  # the street's, not its own
             ({"kind": "depot"}, "depot"),
             ({"kind": "shelter", "shelter": "SH-S02-C01"}, "shelter"),
             ({"address": ""}, "address"),
             ({"contact_phone": "call me"}, "contact_phone"),
             ({"kind": "boat"}, "kind"),
             ({"area": "S01-C01"}, "area")]  # it has one already
    for change, field in cases:
        resp = admin("post", "/api/v1/receiving-points", json={**base, **change})
        assert is_problem(resp, 409, 422), (change, resp.status_code, resp.json)
        body = resp.json
        named = body.get("field") or ",".join(e.get("field", "") for e in
                                               body.get("errors", []))
        assert field in named or resp.status_code == 409, (change, body)
    assert admin("get", "/api/v1/receiving-points/RP-NEW").status_code == 404


def test_points_and_vehicles_import_whole_or_not_at_all(admin: Any) -> None:
    good = ("code,area,kind,depot,shelter,address,lat,lon,contact_name,contact_phone\n"
            "RP-S02-C01-G01,S02-C01-G01,address,,,竹园路8号,,,张强,13711112222\n")
    bad = good + ("RP-S02-C01-G02,S02-C01-G02,depot,,,,,,刘芳,13711113333\n"
                  "RP-X,NOPE,address,,,某路,,,赵磊,12\n")
    resp = admin("post", "/api/v1/import/points",
                 data={"file": (io.BytesIO(bad.encode()), "points.csv")},
                 content_type="multipart/form-data")
    assert is_problem(resp, 422), resp.json
    rows = {e["row"] for e in resp.json["errors"]}
    assert len(rows) >= 2  # every bad row at once
    assert admin("get", "/api/v1/receiving-points/RP-S02-C01-G01").status_code == 404
    resp = admin("post", "/api/v1/import/points",
                 data={"file": (io.BytesIO(good.encode()), "points.csv")},
                 content_type="multipart/form-data")
    assert resp.status_code == 201, resp.json
    assert admin("get", "/api/v1/receiving-points/RP-S02-C01-G01").json["contact_name"] == "张强"
    vehicles = ("code,plate,depot,kind,payload_kg,volume_m3,driver_name,driver_phone\n"
                "V-NEW-1,粤B·X0001,DEP-S01,truck,8000,30,陈刚,13600001111\n"
                "V-NEW-2,粤B·X0002,DEP-S01,truck,900000,30,陈刚,13600001111\n")
    resp = admin("post", "/api/v1/import/vehicles",
                 data={"file": (io.BytesIO(vehicles.encode()), "vehicles.csv")},
                 content_type="multipart/form-data")
    assert is_problem(resp, 422) and "payload_kg" in str(resp.json), resp.json
    assert admin("get", "/api/v1/vehicles/V-NEW-1").status_code == 404


def test_the_distribution_list_serves_the_vulnerable_first_in_proportion() -> None:
    # 10 arrive; grid A has 6 vulnerable to serve first, then the 4 left go by what is left
    a, b = distribution.share(10, [10, 10], [6, 0])
    assert (a.units, a.priority, b.units, b.priority) == (7, 6, 3, 0)
    # scarce even for the vulnerable: their needs in proportion, nothing for the rest
    shares = distribution.share(5, [10, 10], [5, 5])
    assert [(s.units, s.priority) for s in shares] == [(3, 3), (2, 2)]
    rng = random.Random(5)
    for _ in range(300):
        n = rng.randint(1, 6)
        need = [rng.randint(0, 50) for _ in range(n)]
        prio = [rng.randint(0, x) for x in need]
        total = rng.randint(0, 200)
        got = distribution.share(total, need, prio)
        assert sum(s.units for s in got) == min(total, sum(need))
        assert all(s.priority <= p and s.units <= x for s, p, x in zip(got, prio, need,
                                                                        strict=True))
        if total >= sum(prio):  # every vulnerable resident is served before anyone else
            assert [s.priority for s in got] == prio


def test_no_vehicle_load_exceeds_its_payload_or_volume() -> None:
    rng = random.Random(11)
    sizes = {"W": loads.Size(1.0, 0.0012), "T": loads.Size(35.0, 0.12),
             "Q": loads.Size(2.5, 0.03), "G": loads.Size(80.0, 0.25)}
    for case in range(60):
        fleet = [loads.Vehicle(f"V{j}", rng.choice([800, 1500, 3000, 10000]),
                               rng.choice([3.0, 8.0, 16.0, 40.0]))
                 for j in range(rng.randint(0, 4))]
        orders = [loads.Order(f"P{k}", {i: rng.randint(0, 3000 if i == "W" else 60)
                                        for i in rng.sample(sorted(sizes), 2)})
                  for k in range(rng.randint(1, 4))]
        plan = loads.pack(loads.LoadProblem(fleet, orders, sizes,
                                            loads.Vehicle("", 3000, 16.0)), seconds=0.05)
        caps = {v.code: v for v in fleet}
        carried: dict[tuple[str, str], int] = defaultdict(int)
        for load in plan.loads:
            kg = sum(sizes[ln.item].kg * ln.quantity for ln in load.lines)
            m3 = sum(sizes[ln.item].m3 * ln.quantity for ln in load.lines)
            # a run beyond the fleet is another run of its largest vehicle (else the standard)
            spare = min(fleet, key=lambda v: (-v.payload_kg, v.code)) if fleet else \
                loads.Vehicle("", 3000, 16.0)
            cap = caps[load.vehicle] if load.vehicle else spare
            single = len(load.lines) == 1 and load.lines[0].quantity == 1
            assert single or (kg <= cap.payload_kg + 1e-6 and m3 <= cap.volume_m3 + 1e-6), \
                (case, load)
            for ln in load.lines:
                carried[(ln.order, ln.item)] += ln.quantity
        assert len({ld.vehicle for ld in plan.loads if ld.vehicle}) == \
            sum(1 for ld in plan.loads if ld.vehicle)  # one run per vehicle
        wanted = {(o.key, i): q for o in orders for i, q in o.items.items() if q}
        assert dict(carried) == wanted, case  # every unit on exactly one load


def test_the_fleet_is_filled_before_a_shortfall_is_reported() -> None:
    sizes = {"W": loads.Size(1.0, 0.001)}
    fleet = [loads.Vehicle("BIG", 3000, 16.0), loads.Vehicle("SMALL", 800, 3.0)]
    plan = loads.pack(loads.LoadProblem(fleet, [loads.Order("P1", {"W": 2500}),
                                                loads.Order("P2", {"W": 1500})], sizes,
                                        loads.Vehicle("", 3000, 16.0)), seconds=0.5)
    on_fleet = sum(ld.kg for ld in plan.loads if ld.vehicle)
    assert on_fleet == 3800 and plan.runs_short == 1 and plan.kg_short == 200
    # it fits on one vehicle: the smallest that carries it, one stop
    one = loads.pack(loads.LoadProblem(fleet, [loads.Order("P1", {"W": 700})], sizes,
                                       loads.Vehicle("", 3000, 16.0)))
    assert [(ld.vehicle, ld.kg) for ld in one.loads] == [("SMALL", 700.0)]


def test_a_plans_loads_carry_exactly_its_shipments_and_say_what_is_short(admin: Any) -> None:
    plan = _declare(admin, areas=[{"area": g, "affected": 4000, "displaced": 900}
                                  for g in GRIDS])["plan"]
    shipped: dict[tuple[str, str, str], int] = defaultdict(int)
    for s in plan["shipments"]:
        shipped[(s["depot"], s["area"], s["item"])] += s["quantity"]
    loaded: dict[tuple[str, str, str], int] = defaultdict(int)
    for load in plan["loads"]:
        if load["vehicle"]:
            assert load["weight_kg"] <= load["payload_kg"] + 1e-6, load
            assert load["volume_m3"] <= load["volume_cap_m3"] + 1e-6, load
        for ln in load["lines"]:
            loaded[(load["depot"], ln["area"], ln["item"])] += ln["quantity"]
    assert dict(loaded) == dict(shipped)
    short = {v["depot"] for v in plan["vehicles_short"]}
    unassigned = {ld["depot"] for ld in plan["loads"] if not ld["vehicle"]}
    assert short == unassigned
    assert all(v["reason"] for v in plan["vehicles_short"])


def test_every_called_team_is_sent_or_stands_by_with_a_reason(admin: Any) -> None:
    incident = _declare(admin, level=2)
    plan = incident["plan"]
    called = {m["team"] for m in admin("get", f"/api/v1/incidents/{incident['code']}")
              .json["teams"] if m["status"] == "called"}
    sent = {a["team"] for a in plan["assignments"]}
    standing = {t["team"]: t for t in plan["standby"]}
    assert called == sent | set(standing) and not sent & set(standing)
    assert all(t["reason"] for t in standing.values()), standing


def test_the_depot_keeper_is_told_which_vehicle_carries_which_order(admin: Any) -> None:
    incident = _declare(admin)
    code, number = incident["code"], incident["plan"]["number"]
    confirmed = admin("post", f"/api/v1/incidents/{code}/plans/{number}/confirm").json
    notes = [n for n in admin("get", "/api/v1/notifications",
                              query_string={"per_page": 500}).json["items"]
             if n["kind"] == "depot_orders" and code in n["subject_en"]]
    assert notes
    bodies = "\n".join(n["body"] for n in notes)
    for order in confirmed["dispatches"]:
        found = admin("get", f"/api/v1/dispatches/{order}").json
        for load in found["loads"]:
            if load["vehicle"]:
                assert f"{load['vehicle']} {load['plate']}: " in bodies
                line = next(x for x in bodies.splitlines()
                            if x.startswith(f"{load['vehicle']} {load['plate']}: "))
                assert order in line
