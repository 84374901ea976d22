"""`readygrid incidents`, run as a coordinator runs it in a terminal."""
from __future__ import annotations

import json
from typing import Any


def test_declare_show_confirm_and_deliver_from_the_terminal(run: Any) -> None:  # noqa: F811
    assert run("demo", "--scale", "small").returncode == 0
    declared = run("incidents", "declare", "--hazard", "flood", "--level", "3",
                   "--area", "S01-C01-G01:300:60", "--area", "S01-C02-G01", "--days", "2")
    assert declared.returncode == 0, declared.stderr
    assert "Declared INC-" in declared.stdout and "plan 1 (proposed)" in declared.stdout
    code = declared.stdout.split("Declared ")[1].split(":")[0]
    plan = json.loads(run("incidents", "show", code, "--json").stdout)
    assert plan["number"] == 1 and plan["needs"]
    confirmed = run("incidents", "confirm", code, "1")
    assert confirmed.returncode == 0, confirmed.stderr
    order = next(line.split()[1] for line in confirmed.stdout.splitlines()
                 if f"{code}-P1-" in line)
    assert run("incidents", "deliver", order).returncode == 0
    again = run("incidents", "deliver", order)
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1
    listed = json.loads(run("incidents", "list", "--json").stdout)
    assert [i["code"] for i in listed] == [code]


def test_bad_declarations_exit_non_zero_with_one_line(run: Any) -> None:  # noqa: F811
    assert run("demo", "--scale", "small").returncode == 0
    unknown = run("incidents", "declare", "--hazard", "flood", "--level", "3", "--area", "NOPE")
    assert unknown.returncode == 1 and unknown.stderr.strip() == "error: No area with code " \
        "'NOPE'."
    bad = run("incidents", "declare", "--hazard", "flood", "--level", "3", "--area", "X:many")
    assert bad.returncode == 2 and "CODE:AFFECTED" in bad.stderr
