"""Server time, queries and size of the incident page on the full demo district, against the
page before the control room, in one run: the 4-community level III flood (S01-C01..S01-C04)
and a whole-district level I incident, before and after confirming its plan, with each full
table page and the time to confirm.

bench/page_probe.py measures whichever tree is on its import path: this one, and the
baseline revision (BASELINE, the incident page before issue "The incident control room")
extracted from git into a temporary folder. Per page: the median of 3 warm requests through
the app (no network), the SQL statements one request runs, and the HTML size. Floors: the
incident page under 300 ms for the flood and under 1 s for the whole district; confirming
the flood's plan under 1 s. Exits 1 if one is missed.

    python -m bench.incident_page [--seed 7]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import seeded_main, verdict

console = Console(width=150)
ROOT = Path(__file__).resolve().parent.parent
BASELINE = "3d3113a"  # the last commit before the control room's first change
FLOORS = {"flood": 0.300, "district": 1.0}  # the incident page's server time
CONFIRM_FLOOR = {"flood": 1.0}


def _probe(tree: Path, seed: int) -> dict[str, Any]:
    """Run bench/page_probe.py (this tree's) against the code in `tree`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        env = {**os.environ, "PYTHONPATH": str(tree)}
        # run as -c so that the probe's own folder (bench/, with its drills.py) is not first
        # on the import path
        script = ROOT / "bench" / "page_probe.py"
        subprocess.run([sys.executable, "-c", "import runpy, sys; sys.argv = sys.argv[1:]; "
                        "runpy.run_path(sys.argv[0], run_name='__main__')", str(script),
                        "--seed", str(seed), "--out", str(out)], cwd=tree, env=env,
                       check=True)
        return json.loads(out.read_text())


def _baseline_tree(into: Path) -> Path | None:
    """The baseline revision's files, from git; None without git or its history."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE],
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-f", "-d",
                    str(into / "app" / "translations"), "-D", "messages"],
                   capture_output=True, check=False)
    return into


def _table(now: dict[str, Any], before: dict[str, Any] | None) -> Table:
    table = Table(title="The incident page on the full demo (server side, median of 3)")
    for col in ("incident", "plan", "page", "ms", "queries", "KB", "baseline ms",
                "baseline queries", "baseline KB"):
        table.add_column(col)
    old = {(r["case"], r["stage"], r["page"]): r for r in (before or {}).get("pages", [])}
    for r in now["pages"]:
        b = old.get((r["case"], r["stage"], r["page"]))
        table.add_row(r["case"], r["stage"], r["page"], f"{r['seconds'] * 1000:.0f}",
                      str(r["queries"]), f"{r['bytes'] / 1024:.0f}",
                      *((f"{b['seconds'] * 1000:.0f}", str(b["queries"]),
                         f"{b['bytes'] / 1024:.0f}") if b else ("—", "—", "—")))
    return table


def run(seed: int) -> int:
    now = _probe(ROOT, seed)
    with tempfile.TemporaryDirectory() as tmp:
        tree = _baseline_tree(Path(tmp))
        before = _probe(tree, seed) if tree else None
    if before is None:
        console.print(f"no baseline: git history with {BASELINE} is needed", highlight=False)
    console.print(_table(now, before))
    failures = []
    for r in now["pages"]:
        if r["page"] == "incident page" and r["seconds"] >= FLOORS[r["case"]]:
            failures.append(f"{r['case']} ({r['stage']}): incident page "
                            f"{r['seconds'] * 1000:.0f} ms >= {FLOORS[r['case']] * 1000:.0f} ms")
    for case, seconds in now["confirm"].items():
        then = (before or {}).get("confirm", {}).get(case)
        console.print(f"confirm {case}: {seconds:.2f} s"
                      + (f" (baseline {then:.2f} s)" if then is not None else ""),
                      highlight=False)
        if case in CONFIRM_FLOOR and seconds >= CONFIRM_FLOOR[case]:
            failures.append(f"confirm {case}: {seconds:.2f} s >= {CONFIRM_FLOOR[case]} s")
    return verdict(console, failures)


def main() -> None:
    seeded_main(__doc__ or "", run)


if __name__ == "__main__":
    main()
