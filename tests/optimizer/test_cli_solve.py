"""`readygrid solve`, run as a user runs it: a scenario file in, a JSON plan out, no database."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import no_database, readygrid

SUPPLIES: dict[str, Any] = {
    "max_distance_km": 30, "items": [{"code": "water", "weight": 1.0}],
    "depots": [{"code": "D1", "lat": 32.04, "lon": 118.78, "stock": {"water": 12000}}],
    "areas": [{"code": "G1", "lat": 32.05, "lon": 118.79, "demand": {"water": 3000},
               "priority_demand": {"water": 600}}],
    "routes": [{"depot": "D1", "area": "G1", "km": 4.2}]}

SHELTERS: dict[str, Any] = {
    "max_distance_km": 5,
    "areas": [{"code": "G1", "lat": 32.05, "lon": 118.79, "evacuees": 120, "need_access": 6},
              {"code": "G2", "lat": 32.06, "lon": 118.80, "evacuees": 50, "need_access": 0}],
    "shelters": [{"code": "S1", "lat": 32.052, "lon": 118.792, "capacity": 100,
                  "accessible": True},
                 {"code": "S2", "lat": 32.07, "lon": 118.81, "capacity": 60,
                  "accessible": False}]}

TEAMS: dict[str, Any] = {
    "max_distance_km": 30, "speed_kmh": 30,
    "teams": [{"code": "R1", "kind": "rescue", "speciality": "water_rescue", "lat": 32.04,
               "lon": 118.78, "members": 12},
              {"code": "V1", "kind": "volunteer", "lat": 32.06, "lon": 118.80}],
    "requirements": [{"area": "G1", "lat": 32.05, "lon": 118.79, "kind": "rescue",
                      "speciality": "water_rescue", "count": 2, "priority": 40}]}


@pytest.fixture
def solve(tmp_path: Path) -> Any:
    """Run `readygrid solve KIND scenario`, with a database URL that cannot be opened."""
    missing = tmp_path / "no-such-dir" / "readygrid.sqlite"
    env = {"READYGRID_DATABASE_URL": f"sqlite:///{missing}", "READYGRID_SECRET_KEY": "test"}

    def run(kind: str, scenario: Any, *args: str) -> subprocess.CompletedProcess[str]:
        path = tmp_path / f"{kind}.json"
        path.write_text(scenario if isinstance(scenario, str) else json.dumps(scenario),
                        encoding="utf-8")
        # in this process (the installed command itself: the missing-file test below)
        done = readygrid(["solve", kind, str(path), *args], env, tmp_path)
        assert not missing.parent.exists()  # nothing touched a database
        return done

    return run


def test_the_example_supply_scenario_is_delivered_in_full(solve: Any) -> None:
    done = solve("supplies", SUPPLIES)
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["status"] == "optimal"
    assert plan["shipments"] == [{"depot": "D1", "area": "G1", "item": "water",
                                  "quantity": 3000, "km": 4.2}]
    [area] = plan["areas"]
    assert (area["area"], area["delivered"], area["demand"]) == ("G1", 3000, 3000)
    assert plan["unreachable"] == [] and plan["cost"] == pytest.approx(12600)
    # the fields of before, plus the trips stage's: additive only
    assert list(plan)[:6] == ["status", "shipments", "areas", "unreachable", "cost",
                              "solve_seconds"]
    assert plan["trips"] == 1 and plan["reserve_kept"] == []
    assert plan["consolidation"]["status"] == "optimal"
    assert plan["consolidation"]["over_limit"] == []


def test_reserves_and_the_depot_limit_shape_the_plan(solve: Any) -> None:
    scenario = copy.deepcopy(SUPPLIES)
    scenario["max_depots_per_area"] = 1
    scenario["depots"][0]["reserve"] = {"water": 10000}
    scenario["depots"].append({"code": "D2", "lat": 32.0, "lon": 118.7,
                               "stock": {"water": 3000}})
    scenario["routes"].append({"depot": "D2", "area": "G1", "km": 9})
    done = solve("supplies", scenario)
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    # D1 may ship only 2,000 of its 12,000: D2 alone carries the whole 3,000 in one trip
    assert [(s["depot"], s["quantity"]) for s in plan["shipments"]] == [("D2", 3000)]
    assert plan["trips"] == 1
    assert plan["reserve_kept"] == [{"depot": "D1", "item": "water", "units": 10000,
                                     "left": 12000}]


def test_a_scarce_supply_is_shared_fairly(solve: Any) -> None:
    scenario = copy.deepcopy(SUPPLIES)
    scenario["depots"][0]["stock"]["water"] = 1000
    scenario["areas"].append({"code": "G2", "lat": 32.1, "lon": 118.8,
                              "demand": {"water": 3000}})
    scenario["routes"].append({"depot": "D1", "area": "G2", "km": 20})
    plan = json.loads(solve("supplies", scenario).stdout)
    got = {a["area"]: a["delivered"] for a in plan["areas"]}
    # G1's priority demand first (600); the other 400 lift G2, the worst covered
    assert got == {"G1": 600, "G2": 400}


def test_great_circle_routes_are_used_when_none_are_given(solve: Any) -> None:
    scenario = {k: v for k, v in SUPPLIES.items() if k != "routes"}
    plan = json.loads(solve("supplies", scenario).stdout)
    assert plan["shipments"][0]["quantity"] == 3000
    assert plan["shipments"][0]["km"] == pytest.approx(1.458, abs=0.001)


def test_out_writes_the_file_and_keeps_stdout_clean(solve: Any, tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    done = solve("supplies", SUPPLIES, "--out", str(target), "--time-limit", "5")
    assert done.returncode == 0 and done.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["status"] == "optimal"


def test_the_shelter_example_places_wheelchair_users_in_the_accessible_shelter(
        solve: Any) -> None:
    done = solve("shelters", SHELTERS, "--time-limit", "10")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["status"] == "optimal"
    rows = {(r["area"], r["shelter"]): (r["people"], r["need_access"])
            for r in plan["assignments"]}
    # 170 evacuees, 160 places: G1's far overflow is the one left out
    assert rows == {("G1", "S1"): (100, 6), ("G1", "S2"): (10, 0), ("G2", "S2"): (50, 0)}
    assert plan["unplaced"] == [{"area": "G1", "people": 10, "need_access": 0,
                                 "reason": "shelters within 5 km are full"}]


def test_the_team_example_sends_the_matching_team(solve: Any) -> None:
    plan = json.loads(solve("teams", TEAMS).stdout)
    assert [(a["team"], a["area"]) for a in plan["assignments"]] == [("R1", "G1")]
    assert plan["idle"] == ["V1"]
    assert [(u["area"], u["missing"]) for u in plan["unfilled"]] == [("G1", 1)]


def broken(base: dict[str, Any], change: Any) -> dict[str, Any]:
    scenario = copy.deepcopy(base)
    change(scenario)
    return scenario


BAD_FILES = [
    ("supplies", "{\"areas\": [", "supplies.json: not valid JSON"),
    ("supplies", "[1, 2]", "scenario: must be a JSON object"),
    ("supplies", broken(SUPPLIES, lambda s: s["areas"][0]["demand"].update(water=-1)),
     "areas[0].demand.water: must be a whole number ≥ 0"),
    ("supplies", broken(SUPPLIES, lambda s: s["areas"][0]["demand"].update(water=2.5)),
     "areas[0].demand.water: must be a whole number ≥ 0"),
    ("supplies", broken(SUPPLIES, lambda s: s["depots"][0]["stock"].update(water="9")),
     "depots[0].stock.water: must be a whole number ≥ 0"),
    ("supplies", broken(SUPPLIES, lambda s: s["areas"][0]["priority_demand"].update(
        water=3001)), "areas[0].priority_demand.water: must not exceed demand"),
    ("supplies", broken(SUPPLIES, lambda s: s["depots"][0].update(reserve={"water": 12001})),
     "depots[0].reserve.water: must not exceed stock (12000)"),
    ("supplies", broken(SUPPLIES, lambda s: s.update(max_depots_per_area=0)),
     "max_depots_per_area: must be a whole number ≥ 1"),
    ("supplies", broken(SUPPLIES, lambda s: s["routes"][0].update(depot="D9")),
     "routes[0].depot: unknown depot 'D9'"),
    ("supplies", broken(SUPPLIES, lambda s: s["routes"][0].update(area="G9")),
     "routes[0].area: unknown area 'G9'"),
    ("supplies", broken(SUPPLIES, lambda s: s["routes"][0].update(km=-3)),
     "routes[0].km: must be a number ≥ 0"),
    ("supplies", broken(SUPPLIES, lambda s: s.pop("depots")), "depots: required"),
    ("supplies", broken(SUPPLIES, lambda s: s["areas"].append(s["areas"][0])),
     "areas[1].code: duplicate code 'G1'"),
    ("shelters", broken(SHELTERS, lambda s: s["areas"][1].update(need_access=51)),
     "areas[1].need_access: must not exceed evacuees"),
    ("shelters", broken(SHELTERS, lambda s: s["shelters"][0].update(capacity=-1)),
     "shelters[0].capacity: must be a whole number ≥ 0"),
    ("shelters", broken(SHELTERS, lambda s: s["shelters"][1].update(accessible="no")),
     "shelters[1].accessible: must be true or false"),
    ("shelters", broken(SHELTERS, lambda s: s["areas"][0].pop("lat")),
     "areas[0].lat: required when no routes are given"),
    ("teams", broken(TEAMS, lambda s: s["teams"][0].update(kind="police")),
     "teams[0].kind: must be one of command, rescue, volunteer"),
]


@pytest.mark.parametrize(("kind", "scenario", "message"), BAD_FILES)
def test_a_bad_file_exits_2_with_one_line_naming_the_field(tmp_path: Path, kind: str,
                                                           scenario: Any, message: str) -> None:
    path = tmp_path / f"{kind}.json"
    path.write_text(scenario if isinstance(scenario, str) else json.dumps(scenario),
                    encoding="utf-8")
    done = readygrid(["solve", kind, str(path)], no_database(tmp_path), tmp_path)
    assert not (tmp_path / "no-such-dir").exists()  # nothing touched a database
    assert done.returncode == 2 and done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines


def test_a_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "READYGRID_DATABASE_URL": f"sqlite:///{tmp_path}/x/y.sqlite",
           "READYGRID_SECRET_KEY": "test"}
    done = subprocess.run([sys.executable, "-c", "from app.cli import main; main()", "solve",
                           "shelters", "nowhere.json"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: nowhere.json: no such file"
