"""`readygrid drills plan`: a drill timetable from a JSON file (no database needed; the file is
read by `drills.scenario`, see docs/cli.md); `readygrid drills cancel-series`: the rest of a
drill series cancelled at once."""
from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.cli.common import command_errors, out
from app.core import db
from app.drills import services as drill_svc
from drills import timetable
from drills.scenario import read_plan
from optimizer.scenario import BadScenario, load


@click.group("drills", help="Drill timetables (no database needed) and drill series. "
             "演练：年度计划与系列演练。")
def drills_group() -> None:
    pass


@drills_group.command("plan")
@click.argument("file", metavar="FILE.json")
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              help="Write the JSON timetable to this file instead of stdout.")
@click.option("--time-limit", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="Seconds for the whole solve.")
def plan(file: str, out: str | None, time_limit: float) -> None:
    """Place every required drill on an allowed day with a team, evenly spread (JSON out)."""
    try:
        problem = read_plan(load(file))
    except BadScenario as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    result = asdict(timetable.solve(problem, timetable.TimetableParams(time_limit_s=time_limit)))
    text_out = json.dumps(result, ensure_ascii=False, indent=2)
    if out is None:
        click.echo(text_out)
        return
    Path(out).write_text(text_out + "\n", encoding="utf-8")
    click.echo(f"drills plan: {result['status']}, timetable written to {out}", err=True)


@drills_group.command("cancel-series")
@click.argument("code")
@click.option("--reason", default="", help="Why; added to the notes of each drill.")
@with_appcontext
@command_errors
def cancel_series(code: str, reason: str) -> None:
    """Cancel a drill and every later planned or confirmed date of its series, at once."""
    cancelled = drill_svc.cancel_rest_of_series(db.session(), code, reason or None)
    out.print(f"Cancelled {len(cancelled)} drills: {', '.join(cancelled)}", highlight=False)
