"""The readygrid command, run as a user runs it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def test_demo_lists_verify_and_export(run: Any, tmp_path: Path) -> None:
    built = run("demo", "--scale", "small")
    assert built.returncode == 0, built.stderr
    assert "Demo district built" in built.stdout

    areas = json.loads(run("areas", "list", "--level", "community", "--json").stdout)
    codes = [a["code"] for a in areas]
    assert len(codes) == 4 and codes == sorted(codes) and codes[0] == "S01-C01"
    assert {a["level"] for a in areas} == {"community"}
    table = run("depots", "list").stdout.splitlines()
    header = next(line for line in table if "code" in line)
    assert header.split()[1] == "code"  # the first column is the code
    for kind in ("shelters", "teams"):
        rows = json.loads(run(kind, "list", "--json").stdout)
        assert rows and list(rows[0])[0] == "code"

    verify = run("stock", "verify")
    assert verify.returncode == 0 and "every balance equals its ledger" in verify.stdout

    out = tmp_path / "lots.csv"
    assert run("export", "lots", "--out", str(out), "--lang", "zh").returncode == 0
    assert out.read_text(encoding="utf-8-sig").startswith("仓库编码,物资编码,批次号")


def test_bad_import_exits_nonzero_with_one_readable_line(run: Any, tmp_path: Path) -> None:
    assert run("demo", "--scale", "small").returncode == 0
    bad = tmp_path / "lots.csv"
    bad.write_text("depot,item,lot_number,quantity\nDEP-D01,QUILT,N1,4\n"
                   "DEP-D01,QUILT,N2,many\n", encoding="utf-8")
    result = run("import", "lots", str(bad))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "row 3, column 'quantity'" in lines[0]
    assert "Traceback" not in result.stderr
    good = tmp_path / "good.csv"
    good.write_text("depot,item,lot_number,quantity\nDEP-D01,QUILT,N1,4\n", encoding="utf-8")
    assert run("import", "lots", str(good)).returncode == 0
    assert run("stock", "verify").returncode == 0


def test_demo_refuses_a_database_with_data(run: Any) -> None:
    assert run("demo", "--scale", "small").returncode == 0
    again = run("demo", "--scale", "small")
    assert again.returncode == 1 and "already holds" in again.stderr
    assert run("demo", "--if-empty").returncode == 0


def test_users_and_tokens_from_the_cli(run: Any) -> None:
    assert run("demo", "--scale", "small").returncode == 0
    made = run("users", "create", "li", "--role", "community_staff", "--area", "S02-C01",
               "--password", "a-long-password")
    assert made.returncode == 0, made.stderr
    token = run("tokens", "create", "li")
    assert token.returncode == 0 and token.stdout.strip().startswith("rg_")
    short = run("users", "create", "wu", "--role", "official", "--area", "S02",
                "--password", "short")
    assert short.returncode == 1 and "10 characters" in short.stderr
