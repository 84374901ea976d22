"""`readygrid drills plan`, run as a user runs it: a JSON file in, a timetable out, no database."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import no_database, readygrid

EXAMPLE: dict[str, Any] = {
    "start": "2027-01-01", "end": "2027-12-31", "weekdays": [5, 6], "blackout": ["2027-02-05"],
    "max_per_street_per_day": 1,
    "communities": [{"code": "C1", "street": "S1", "drills": 4, "min_gap_days": 60,
                     "teams": ["T1", "T2"]}],
    "teams": [{"code": "T1", "max_per_month": 4}]}


@pytest.fixture
def drills(tmp_path: Path) -> Any:
    """Run `readygrid drills plan FILE`, with a database URL that cannot be opened."""
    missing = tmp_path / "no-such-dir" / "readygrid.sqlite"
    env = {"READYGRID_DATABASE_URL": f"sqlite:///{missing}", "READYGRID_SECRET_KEY": "test"}

    def run(data: Any, *args: str) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "drills.json"
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        # in this process (the installed command itself: the missing-file test below)
        done = readygrid(["drills", "plan", str(path), *args], env, tmp_path)
        assert not missing.parent.exists()  # nothing touched a database
        return done

    return run


def test_the_example_places_four_weekend_drills_about_a_quarter_apart(drills: Any) -> None:
    done = drills(EXAMPLE)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) == {"status", "drills", "reason"}
    assert result["status"] == "optimal" and result["reason"] is None
    assert all(set(d) == {"community", "date", "team"} for d in result["drills"])
    days = [date.fromisoformat(d["date"]) for d in result["drills"]]
    assert len(days) == 4 and days == sorted(days)
    assert all(d.weekday() in (5, 6) and d.year == 2027 for d in days)
    assert all(77 <= (b - a).days <= 105 for a, b in zip(days, days[1:], strict=False))
    assert {d["community"] for d in result["drills"]} == {"C1"}
    assert {d["team"] for d in result["drills"]} <= {"T1", "T2"}


def test_out_writes_the_file_and_keeps_stdout_clean(drills: Any, tmp_path: Path) -> None:
    target = tmp_path / "timetable.json"
    done = drills(EXAMPLE, "--out", str(target), "--time-limit", "5")
    assert done.returncode == 0 and done.stdout == ""
    assert len(json.loads(target.read_text(encoding="utf-8"))["drills"]) == 4


def test_an_over_constrained_file_answers_infeasible_with_exit_0(drills: Any) -> None:
    done = drills({**EXAMPLE, "end": "2027-03-31"})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "infeasible" and result["drills"] == []
    assert "community C1 needs 4 drills 60 days apart but only 2 fit" in result["reason"]


def broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    change(data)
    return data


BAD_FILES = [
    ("{\"start\": ", "drills.json: not valid JSON"),
    ("[1, 2]", "scenario: must be a JSON object"),
    (broken(lambda d: d.pop("start")), "start: required"),
    (broken(lambda d: d.update(end="2027-13-01")), "end: must be a date YYYY-MM-DD"),
    (broken(lambda d: d.update(end="2026-12-31")), "end: must not be before start"),
    (broken(lambda d: d.update(weekdays=[5, 7])), "weekdays[1]: must be a weekday 0-6"),
    (broken(lambda d: d.update(blackout="2027-02-05")), "blackout: must be a list"),
    (broken(lambda d: d.update(max_per_street_per_day=0)),
     "max_per_street_per_day: must be a whole number ≥ 1"),
    (broken(lambda d: d["communities"][0].update(drills=-1)),
     "communities[0].drills: must be a whole number ≥ 0"),
    (broken(lambda d: d["communities"][0].update(teams="T1")),
     "communities[0].teams: must be a list"),
    (broken(lambda d: d["communities"][0].pop("street")), "communities[0].street: required"),
    (broken(lambda d: d["communities"].append(d["communities"][0])),
     "communities[1].code: duplicate code 'C1'"),
    (broken(lambda d: d["teams"][0].update(max_per_month=1.5)),
     "teams[0].max_per_month: must be a whole number ≥ 0"),
    (broken(lambda d: d.update(holidays=[])), "holidays: unknown field"),
]


@pytest.mark.parametrize(("data", "message"), BAD_FILES)
def test_a_bad_file_exits_2_with_one_line_naming_the_field(tmp_path: Path, data: Any,
                                                           message: str) -> None:
    path = tmp_path / "drills.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    done = readygrid(["drills", "plan", str(path)], no_database(tmp_path), tmp_path)
    assert not (tmp_path / "no-such-dir").exists()  # nothing touched a database
    assert done.returncode == 2 and done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines


def test_a_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "READYGRID_DATABASE_URL": f"sqlite:///{tmp_path}/x/y.sqlite",
           "READYGRID_SECRET_KEY": "test"}
    done = subprocess.run([sys.executable, "-c", "from app.cli import main; main()", "drills",
                           "plan", "nowhere.json"], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: nowhere.json: no such file"
