"""`readygrid solve`: run an optimiser on a JSON scenario file; no database needed.

Exit 0 with the result as JSON on stdout (or written to --out); exit 2 with one line on
stderr for a bad file. The file is read by `optimizer.scenario` (see docs/cli.md)."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from optimizer import shelters, supplies, teams
from optimizer.scenario import BadScenario, load, read_shelters, read_supplies, read_teams


# ---- commands ------------------------------------------------------------------------------
@click.group("solve", help="Optimise a scenario file (JSON) and print the plan as JSON. "
             "No database needed.")
def solve_group() -> None:
    pass


def _command(name: str, summary: str, read: Callable[[Any], Any],
             run: Callable[[Any, float], Any]) -> click.Command:
    @click.command(name, help=summary)
    @click.argument("file", metavar="FILE.json")
    @click.option("--out", type=click.Path(dir_okay=False, writable=True),
                  help="Write the JSON result to this file instead of stdout.")
    @click.option("--time-limit", type=click.FloatRange(min=0), default=30.0,
                  show_default=True, help="Seconds before falling back to a greedy plan.")
    def command(file: str, out: str | None, time_limit: float) -> None:
        try:
            problem = read(load(file))
        except BadScenario as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        result = asdict(run(problem, time_limit))
        text_out = json.dumps(result, ensure_ascii=False, indent=2)
        if out is None:
            click.echo(text_out)
            return
        Path(out).write_text(text_out + "\n", encoding="utf-8")
        click.echo(f"{name}: {result['status']}, result written to {out}", err=True)

    return command


solve_group.add_command(_command(
    "supplies", "Fair, cheapest supply shipments from depots to areas.", read_supplies,
    lambda p, t: supplies.solve(p, supplies.SolveParams(time_limit_s=t))))


solve_group.add_command(_command(
    "shelters", "Evacuees to shelters: wheelchair access, everyone placed, shortest trips.",
    read_shelters, lambda p, t: shelters.solve(p, shelters.ShelterParams(time_limit_s=t))))


solve_group.add_command(_command(
    "teams", "Teams to areas: most priority-weighted slots filled, then least travel.",
    read_teams, lambda p, t: teams.solve(p, teams.TeamParams(time_limit_s=t))))
