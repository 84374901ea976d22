"""`readygrid plan pdf` and `readygrid plan list`, run as a coordinator runs them."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def plan(app: Any, demo: Any) -> Any:
    """plan('pdf', ...) -> click's result of `readygrid plan ...` on the small demo."""
    runner = app.test_cli_runner()

    def invoke(*args: str) -> Any:
        return runner.invoke(args=["plan", *args])

    return invoke


def test_one_plan_to_a_file_by_area_or_plan_code(plan: Any, tmp_path: Path) -> None:
    target = tmp_path / "out" / "S01-C01.pdf"
    done = plan("pdf", "S01-C01", "--lang", "zh", "--out", str(target))
    assert done.exit_code == 0, done.output
    assert target.read_bytes().startswith(b"%PDF") and "Wrote" in done.stdout
    assert "P-S01-C01" in done.stdout and "pages" in done.stdout
    english = tmp_path / "district.pdf"
    done = plan("pdf", "P-D01", "--lang", "en", "--edition", "restricted", "--out",
                str(english))
    assert done.exit_code == 0, done.output
    from pypdf import PdfReader
    assert len(PdfReader(english).pages) >= 1


def test_every_community_plan_below_a_street(plan: Any, tmp_path: Path) -> None:
    folder = tmp_path / "plans"  # made when missing
    done = plan("pdf", "S01", "--all", "--lang", "en", "--out", str(folder))
    assert done.exit_code == 0, done.output
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["P-S01-C01_en.pdf", "P-S01-C02_en.pdf"]
    assert all((folder / f).read_bytes().startswith(b"%PDF") for f in files)
    assert "2 plans written" in done.stdout and "seconds" in done.stdout
    assert "P-S01-C02" in done.stdout and "P-S02-C01" not in done.stdout


def test_plan_list_as_a_table_and_as_json(plan: Any) -> None:
    rows = json.loads(plan("list", "--json").stdout)
    codes = [r["code"] for r in rows]
    assert codes[0] == "P-D01" and "P-S01-C01" in codes and "P-S02-C01" in codes
    assert {"area", "level", "hazards", "approved", "filing", "open"} <= set(rows[0])
    table = plan("list")
    assert table.exit_code == 0 and "contingency plans" in table.stdout


def test_errors_exit_1_with_one_line_and_bad_options_exit_2(plan: Any, app: Any,
                                                             tmp_path: Path) -> None:
    target = str(tmp_path / "x.pdf")
    unknown = plan("pdf", "NOPE", "--out", target)
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == "error: No area or contingency plan with code 'NOPE'."
    grid = plan("pdf", "S01-C01-G01", "--out", target)
    assert grid.exit_code == 1 and "has no contingency plan" in grid.stderr
    assert len(grid.stderr.strip().splitlines()) == 1
    assert plan("pdf", "S01-C01", "--version", "5", "--out", target).exit_code == 1
    assert plan("pdf", "S01-C01-G01", "--all", "--out", str(tmp_path)).exit_code == 1
    for args in (["--lang", "fr", "--out", target], ["--edition", "secret", "--out", target],
                 ["--version", "0", "--out", target], [], ["--all", "--version", "1",
                                                           "--out", str(tmp_path)]):
        bad = plan("pdf", "S01-C01", *args)
        assert bad.exit_code == 2, (args, bad.output)
    assert not Path(target).exists()


def test_from_a_terminal(run: Any, tmp_path: Path) -> None:  # noqa: F811
    assert run("demo", "--scale", "small").returncode == 0
    made = run("plan", "pdf", "S01-C01", "--lang", "en", "--out", "c01.pdf")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "c01.pdf").read_bytes().startswith(b"%PDF")
    missing = run("plan", "pdf", "S09", "--out", "x.pdf")
    assert missing.returncode == 1 and missing.stderr.strip() == \
        "error: No area or contingency plan with code 'S09'."
    bad = run("plan", "pdf", "S01-C01", "--lang", "fr", "--out", "x.pdf")
    assert bad.returncode == 2 and "--lang" in bad.stderr
