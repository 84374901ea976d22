"""`readygrid incidents`: declare, re-level, plan, confirm and dispatch from the terminal."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask.cli import with_appcontext
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from app.cli.common import command_errors, err, out, print_table
from app.core import db
from app.core.vocabulary import Hazard
from app.incidents import board, dispatches, receipts, workflows
from app.incidents import services as incidents
from app.incidents.allocation import services as allocation
from app.incidents.services import AreaInput
from app.incidents.views import incident_dict, plan_dict

incidents_group = click.Group("incidents", help="Incidents: declare, plan, confirm, dispatch. "
                              "突发事件：启动响应、调配方案、确认、派送。")


def _area(raw: str) -> AreaInput:
    """CODE, or CODE:AFFECTED, or CODE:AFFECTED:DISPLACED."""
    code, *numbers = raw.split(":")
    try:
        values = [int(n) for n in numbers]
    except ValueError:
        raise click.BadParameter(f"'{raw}': use CODE, CODE:AFFECTED or "
                                 "CODE:AFFECTED:DISPLACED with whole numbers") from None
    if len(values) > 2:
        raise click.BadParameter(f"'{raw}': at most two numbers after the code")
    return AreaInput(code, *values)


@contextmanager
def _solving(what: str | None) -> Iterator[None]:
    """A spinner on stderr while a plan is made (nothing when no plan is)."""
    if what is None:
        yield
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        bar.add_task(f"Planning {what}: supplies, shelters, teams", total=None)
        yield


def _show_plan(code: str, number: int | None, as_json: bool, everything: bool = False) -> None:
    plan = plan_dict(db.session(), allocation.get_plan(db.session(), code, number))
    if as_json:
        click.echo(json.dumps(plan, ensure_ascii=False, indent=2))
        return
    s = plan["summary"]
    out.print(f"[bold]{code} plan {plan['number']}[/bold] ({plan['status']}"
              f"{', STALE: re-plan' if plan['stale'] else ''}) solvers: "
              + ", ".join(f"{k} {v}" for k, v in plan["solver_status"].items()), highlight=False)
    sup, sh = s.get("supplies", {}), s.get("shelters", {})
    out.print(f"worst-off coverage: priority {sup.get('worst_priority_coverage', 1):.0%}, "
              f"total {sup.get('worst_coverage', 1):.0%}; placed {sh.get('placed', 0)} of "
              f"{sh.get('evacuees', 0)} evacuees; teams assigned "
              f"{s.get('teams', {}).get('assigned', 0)}", highlight=False)
    rows = [{"area": n["area"], "item": n["item"], "required": n["required"],
             "priority": n["priority"], "committed": n["committed"],
             "in_reach": n["in_reach"], "planned": n["planned"], "shortfall": n["shortfall"],
             "why": n["reason"]} for n in plan["needs"] if everything or n["shortfall"]]
    print_table(rows, f"needs (ICS 215){'' if everything else ': lines short of need'}"
                      f" ({len(rows)})")


@incidents_group.command("declare")
@click.option("--title", default="", help="A short title.")
@click.option("--hazard", required=True, type=click.Choice([h.value for h in Hazard]))
@click.option("--level", required=True, type=click.IntRange(1, 4),
              help="Response level: 1 (一级, highest) to 4.")
@click.option("--area", "areas", multiple=True, required=True, metavar="CODE[:AFFECTED[:DISP]]",
              help="An affected community or grid (repeat); people default from the register.")
@click.option("--days", default=3, show_default=True, type=click.IntRange(1, 365))
@click.option("--exercise", is_flag=True, help="A drill: plans and orders never touch stock.")
@click.option("--max-km", type=click.FloatRange(0.1, 1000), help="Depot reach (default 30).")
@click.option("--no-plan", is_flag=True, help="Declare only; plan later.")
@with_appcontext
@command_errors
def declare(title: str, hazard: str, level: int, areas: tuple[str, ...], days: int,
            exercise: bool, max_km: float | None, no_plan: bool) -> None:
    """Declare an incident: mobilise its level's teams and checklist, and plan."""
    with _solving(None if no_plan else "the new incident"):
        done = workflows.declare(db.session(), plan=not no_plan, title=title, hazard=hazard,
                                 level=level, areas=[_area(a) for a in areas],
                                 duration_days=days, exercise=exercise, max_distance_km=max_km)
    code = done.code
    body = incident_dict(incidents.load(db.session(), code))
    out.print(f"Declared [bold]{code}[/bold]: level {level}, {len(body['areas'])} areas, "
              f"{sum(t['status'] == 'called' for t in body['teams'])} teams called, "
              f"{len(body['checklist'])} checklist actions", highlight=False)
    if not no_plan:
        _show_plan(code, done.raise_error().plan, False)


@incidents_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@command_errors
def list_cmd(as_json: bool) -> None:
    """Incidents, newest first."""
    from sqlalchemy import select

    from app.incidents.models import Incident
    rows = [{"code": i.code, "title": i.title, "hazard": i.hazard.value, "level": i.level,
             "status": i.status.value, "exercise": i.exercise, "areas": len(i.areas),
             "started": i.started_at.isoformat(timespec="minutes")}
            for i in db.session().scalars(select(Incident).order_by(Incident.id.desc()))]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print_table(rows, f"incidents ({len(rows)})")


@incidents_group.command("show")
@click.argument("code")
@click.option("--plan", "number", type=int, help="A plan number (default: the newest).")
@click.option("--all", "everything", is_flag=True, help="Every needs line, not only short ones.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@command_errors
def show(code: str, number: int | None, everything: bool, as_json: bool) -> None:
    """A plan's headline figures and its needs table (ICS 215)."""
    _show_plan(code, number, as_json, everything)


@incidents_group.command("level")
@click.argument("code")
@click.argument("level", type=click.IntRange(1, 4))
@with_appcontext
@command_errors
def level_cmd(code: str, level: int) -> None:
    """Raise or lower the response level; teams and checklist re-mobilise; re-plan."""
    with _solving(code):
        done = workflows.change_level(db.session(), code, level)
    out.print(f"{code} is now at level {level}.")
    _show_plan(code, done.raise_error().plan, False)


@incidents_group.command("areas")
@click.argument("code")
@click.option("--area", "areas", multiple=True, required=True, metavar="CODE[:AFFECTED[:DISP]]",
              help="An affected community or grid (repeat); the new set replaces the old.")
@with_appcontext
@command_errors
def areas_cmd(code: str, areas: tuple[str, ...]) -> None:
    """Replace the affected areas; teams follow them; re-plan keeping the route rules."""
    with _solving(code):
        done = workflows.change_areas(db.session(), code, [_area(a) for a in areas])
    out.print(f"{code} now covers {len(areas)} area(s).")
    _show_plan(code, done.raise_error().plan, False)


@incidents_group.command("release-reserve")
@click.argument("code")
@click.option("--depot", default=None, help="One depot's reserve (default: every depot's).")
@click.option("--reason", required=True, help="Why the reserve is released (audited).")
@with_appcontext
@command_errors
def release_reserve(code: str, depot: str | None, reason: str) -> None:
    """Release protected reserves for the incident, then re-plan keeping the route rules."""
    with _solving(code):
        done = workflows.release_reserve(db.session(), code, depot, reason)
    out.print(f"{code}: reserve of {depot or 'every depot'} released.", highlight=False)
    _show_plan(code, done.raise_error().plan, False)


@incidents_group.command("plan")
@click.argument("code")
@click.option("--forbid", multiple=True, metavar="DEPOT:AREA", help="A route not to use.")
@click.option("--pin", multiple=True, metavar="DEPOT:AREA", help="A route to use first.")
@with_appcontext
@command_errors
def plan_cmd(code: str, forbid: tuple[str, ...], pin: tuple[str, ...]) -> None:
    """Re-plan the outstanding needs (after stock, shelters, areas or the level changed),
    keeping the newest plan's route rules unless --pin / --forbid give new ones."""
    def routes(raw: tuple[str, ...]) -> list[dict[str, str]]:
        pairs = [r.split(":") for r in raw]
        if any(len(p) != 2 for p in pairs):
            raise click.BadParameter("routes are DEPOT:AREA")
        return [{"depot": d, "area": a} for d, a in pairs]
    given = {"pinned": routes(pin), "forbidden": routes(forbid)} if pin or forbid else None
    with _solving(code):  # no --pin/--forbid: the newest plan's rules are kept
        number = workflows.replan(db.session(), code, given)
    _show_plan(code, number, False)


@incidents_group.command("confirm")
@click.argument("code")
@click.argument("number", type=int)
@with_appcontext
@command_errors
def confirm(code: str, number: int) -> None:
    """Reserve a proposed plan's stock and open its dispatch orders."""
    orders = allocation.confirm(db.session(), code, number)
    out.print(f"Plan {number} confirmed: {len(orders)} dispatch orders opened.")
    print_table([{"code": o} for o in orders], "dispatch orders")


@incidents_group.command("deliver")
@click.argument("dispatch")
@with_appcontext
@command_errors
def deliver(dispatch: str) -> None:
    """A dispatch order arrived: issue what it reserved."""
    done = dispatches.deliver(db.session(), dispatch)
    out.print(f"{dispatch} delivered ({len(done['movements'])} ledger entries).")


@incidents_group.command("cancel")
@click.argument("dispatch")
@with_appcontext
@command_errors
def cancel(dispatch: str) -> None:
    """A dispatch order will not go: release what it reserved."""
    done = dispatches.cancel(db.session(), dispatch)
    out.print(f"{dispatch} cancelled ({len(done['movements'])} ledger entries).")


@incidents_group.command("log")
@click.argument("code")
@click.option("--lang", default="zh", show_default=True, type=click.Choice(["zh", "en"]))
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, writable=True),
              help="Write the log as CSV to this file.")
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False, writable=True),
              help="Write the log as a PDF (ICS 214) to this file.")
@with_appcontext
@command_errors
def log_cmd(code: str, lang: str, csv_file: str | None, pdf_file: str | None) -> None:
    """The incident log (ICS 214): every step with who and when; or write it as CSV / PDF."""
    from pathlib import Path

    from app.incidents import log, log_export
    if csv_file:
        Path(csv_file).write_text(log_export.log_csv(db.session(), code, lang)[1], "utf-8")
        out.print(f"{csv_file} written.", highlight=False)
    if pdf_file:
        Path(pdf_file).write_bytes(log_export.log_pdf(db.session(), code, lang)[1])
        out.print(f"{pdf_file} written.", highlight=False)
    if not (csv_file or pdf_file):
        entries = log.incident_log(db.session(), code, lang)
        print_table([{"time": log_export.local(e.at), "who": e.who, "kind": e.kind,
                      "entry": e.text, "ref": e.ref} for e in entries],
                    f"{code} log ({len(entries)})")


@incidents_group.command("sitrep")
@click.argument("code")
@click.option("--text", required=True, help="What happened (at most 4000 characters).")
@click.option("--area", default=None, help="An affected area (or its community).")
@click.option("--affected", type=click.IntRange(0), help="People affected.")
@click.option("--evacuated", type=click.IntRange(0), help="People evacuated.")
@click.option("--injured", type=click.IntRange(0), help="People injured.")
@click.option("--missing", type=click.IntRange(0), help="People missing.")
@click.option("--dead", type=click.IntRange(0), help="People dead.")
@click.option("--photo", type=click.Path(exists=True, dir_okay=False),
              help="A JPEG, PNG or WebP photo (at most 5 MB).")
@with_appcontext
@command_errors
def sitrep_cmd(code: str, text: str, area: str | None, photo: str | None,
               **counts: int | None) -> None:
    """Add a situation report to the incident log."""
    from pathlib import Path

    from app.incidents import sitreps
    data = Path(photo).read_bytes() if photo else None
    report = sitreps.add(db.session(), code, sitreps.ReportInput(text, area, counts, data))
    out.print(f"{code}: situation report {report} added to the log.", highlight=False)

def _moved(moves: dict[str, Any], done: bool) -> str:
    """One line saying what a bulk action moved (or would move)."""
    verb = ("delivered" if moves["action"] == "deliver" else "cancelled") if done else (
        "would deliver" if moves["action"] == "deliver" else "would cancel")
    stock = "an exercise: no stock moves" if moves["exercise"] else (
        f"{moves['units']} units of {moves['items']} items, {moves['lots']} lots, "
        f"{moves['depots']} depots")
    return f"{verb} {moves['orders']} dispatch orders ({stock})"


@incidents_group.command("bulk")
@click.argument("code")
@click.argument("orders", nargs=-1, required=True, metavar="DISPATCH...")
@click.option("--action", required=True, type=click.Choice(["deliver", "cancel"]))
@click.option("--reason", default="", help="Why (audited).")
@click.option("--preview", is_flag=True, help="Only say what would move.")
@with_appcontext
@command_errors
def bulk(code: str, orders: tuple[str, ...], action: str, reason: str, preview: bool) -> None:
    """Deliver or cancel many dispatch orders of incident CODE, all or nothing."""
    if preview:
        moves = board.preview(db.session(), code, list(orders), action)
    else:
        moves = board.settle_many(db.session(), code, list(orders), action, reason)
    out.print(f"{code}: {_moved(moves, not preview)}.", highlight=False)


@incidents_group.command("close")
@click.argument("code")
@click.option("--release-open", is_flag=True,
              help="Cancel the open dispatch orders (their stock goes back) in the same step.")
@click.option("--reason", default="", help="Why (audited).")
@with_appcontext
@command_errors
def close(code: str, release_open: bool, reason: str) -> None:
    """End the response: teams stand down; open orders refuse it unless --release-open."""
    released = incidents.close(db.session(), code, release_open, reason)
    out.print(f"{code} closed; {len(released)} open dispatch orders cancelled.")

@incidents_group.command("dispatch-out")
@click.argument("dispatch")
@with_appcontext
@command_errors
def dispatch_out(dispatch: str) -> None:
    """The depot handed a dispatch order over: it is in transit."""
    done = dispatches.dispatch_out(db.session(), dispatch)
    issued = f", stock issued ({len(done['movements'])} ledger entries)" if done["movements"] \
        else ""
    out.print(f"{dispatch} dispatched{issued}.")


def _received(raw: tuple[str, ...]) -> dict[str, int]:
    """ITEM=N pairs, whole numbers."""
    pairs = []
    for pair in raw:
        item, _, n = pair.partition("=")
        if not item or not n.strip().isdigit():
            raise click.BadParameter(f"'{pair}': use ITEM=N with a whole number",
                                     param_hint="--received")
        pairs.append((item.strip(), int(n)))
    return receipts.counted(pairs)


@incidents_group.command("receive")
@click.argument("dispatch")
@click.option("--received", "received", multiple=True, metavar="ITEM=N",
              help="Units of an item counted on arrival; items not given arrived in full.")
@click.option("--reason", default="", help="Why what arrived differs from what was sent.")
@with_appcontext
@command_errors
def receive(dispatch: str, received: tuple[str, ...], reason: str) -> None:
    """The receiving point counted a dispatch order: record it, deliver it (issue once)."""
    done = receipts.receive(db.session(), dispatch, _received(received), reason)
    lines = done["receipt"]["lines"]
    print_table(lines, f"{dispatch} received")
    if done["receipt"]["differs"]:
        out.print(f"Differs from what was sent: {reason}", highlight=False)
