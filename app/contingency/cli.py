"""`readygrid plan ...`: contingency plan documents from the command line."""
from __future__ import annotations

import json
import sys
import time
from io import BytesIO
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.areas.models import Area
from app.cli.common import command_errors, err, out, print_table
from app.contingency import services as plans
from app.contingency.enums import Edition, VersionStatus
from app.contingency.models import ContingencyPlan, PlanVersion
from app.core import db
from app.core.errors import NotFound
from app.core.vocabulary import AreaLevel


@click.group("plan", help="Contingency plan documents (PDF). 应急预案文档。")
def plan_group() -> None:
    pass


def _area_or_plan(code: str) -> tuple[Area | None, ContingencyPlan | None]:
    session = db.session()
    plan = session.scalar(select(ContingencyPlan).where(ContingencyPlan.code == code)
                          .options(selectinload(ContingencyPlan.area)))
    if plan is not None:
        return plan.area, plan
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise NotFound(f"No area or contingency plan with code '{code}'.", field="area")
    return area, None


def _plans_of(area: Area, below: bool) -> list[ContingencyPlan]:
    """The area's own plans, or (below) every community plan in its subtree; by code."""
    stmt = select(ContingencyPlan).join(Area, Area.id == ContingencyPlan.area_id)
    if below:
        stmt = stmt.where(Area.path.startswith(area.path), Area.level == AreaLevel.COMMUNITY)
    else:
        stmt = stmt.where(ContingencyPlan.area_id == area.id)
    return list(db.session().scalars(stmt.order_by(ContingencyPlan.code)))


def _pages(pdf: bytes, found: PlanVersion | None, lang: str, edition: Edition) -> int:
    """The stored page count of an approved document, else counted in the file."""
    if found is not None:
        for d in found.documents:
            if d.lang == lang and d.edition is edition:
                return d.pages
    from pypdf import PdfReader

    return len(PdfReader(BytesIO(pdf)).pages)


def _render(code: str, lang: str, edition: Edition, number: int | None,
            target: Path) -> dict[str, Any]:
    started = time.perf_counter()
    pdf, found = plans.document(db.session(), code, number=number, lang=lang, edition=edition)
    target.write_bytes(pdf)
    return {"plan": code, "version": f"v{found.number} {found.status.value}" if found
            else "live", "pages": _pages(pdf, found, lang, edition),
            "size": _size(len(pdf)), "seconds": f"{time.perf_counter() - started:.1f}",
            "file": str(target)}


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"


@plan_group.command("pdf")
@click.argument("area")
@click.option("--lang", type=click.Choice(list(plans.LANGS)), default="zh", show_default=True,
              help="The document's language.")
@click.option("--edition", type=click.Choice([e.value for e in Edition]), default="public",
              show_default=True,
              help="restricted adds the list of vulnerable residents (for authorised staff).")
@click.option("--version", "number", type=click.IntRange(min=1),
              help="A version number (default: the approved one, else today's data).")
@click.option("--out", "out_path", type=click.Path(path_type=Path),
              help="The PDF file to write; with --all, the directory (made if missing).")
@click.option("--all", "every", is_flag=True,
              help="Every community plan below AREA (a street or the district).")
@with_appcontext
@command_errors
def pdf_cmd(area: str, lang: str, edition: str, number: int | None, out_path: Path | None,
            every: bool) -> None:
    """Render the plan of AREA (an area code, or a plan code) to PDF.

    An area with several plans gives the first by code. Examples:

      readygrid plan pdf S01-C01 --lang zh --out S01-C01.pdf

      readygrid plan pdf S01 --all --lang en --out plans/
    """
    if out_path is None:
        raise click.UsageError("--out is required: a PDF file, or a directory with --all.")
    if every and number is not None:
        raise click.UsageError("--version applies to one plan, not with --all.")
    kind = Edition(edition)
    where, plan = _area_or_plan(area)
    assert where is not None
    if not every:
        if plan is None:
            found = _plans_of(where, below=False)
            if not found:
                raise NotFound(f"Area {where.code} has no contingency plan.", field="area")
            plan = found[0]
        if out_path.is_dir():
            raise click.BadParameter(f"'{out_path}' is a directory; give a file name "
                                     "(or use --all).", param_hint="--out")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        row = _render(plan.code, lang, kind, number, out_path)
        out.print(f"Wrote [bold]{out_path}[/bold]: {plan.code} {row['version']}, "
                  f"{row['pages']} pages, {row['size']}, {row['seconds']} s", highlight=False)
        return
    found = _plans_of(where, below=True)
    if not found:
        raise NotFound(f"No community plan below {where.code}.", field="area")
    if out_path.exists() and not out_path.is_dir():
        raise click.BadParameter(f"'{out_path}' is a file; with --all give a directory.",
                                 param_hint="--out")
    out_path.mkdir(parents=True, exist_ok=True)
    suffix = "_restricted" if kind is Edition.RESTRICTED else ""
    rows: list[dict[str, Any]] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=not sys.stderr.isatty()) as bar:
        task = bar.add_task("Rendering plans", total=len(found))
        for p in found:
            bar.update(task, description=f"Rendering {p.code}")
            target = out_path / f"{p.code}_{lang}{suffix}.pdf"
            rows.append(_render(p.code, lang, kind, None, target))
            bar.advance(task)
    print_table([{k: r[k] for k in ("plan", "version", "pages", "size", "seconds")}
                 for r in rows], f"{len(rows)} plans written to {out_path}")


@plan_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON for machines.")
@with_appcontext
@command_errors
def list_cmd(as_json: bool) -> None:
    """Every plan: area, hazards, the approved version, filing and any open version."""
    session = db.session()
    found = list(session.scalars(select(ContingencyPlan).join(
        Area, Area.id == ContingencyPlan.area_id).options(selectinload(ContingencyPlan.area))
        .order_by(Area.path, ContingencyPlan.code)))
    approved: dict[int, PlanVersion] = {}
    open_: dict[int, PlanVersion] = {}
    for v in session.scalars(select(PlanVersion).where(PlanVersion.status.in_(
            [VersionStatus.APPROVED, VersionStatus.DRAFT, VersionStatus.SUBMITTED]))):
        (approved if v.status is VersionStatus.APPROVED else open_)[v.plan_id] = v
    rows = []
    for p in found:
        cur, opn = approved.get(p.id), open_.get(p.id)
        filing = plans.filing(cur) if cur is not None else None
        rows.append({
            "code": p.code, "area": p.area.code, "level": p.area.level.value,
            "title": p.title_zh, "hazards": ",".join(h.value for h in plans.hazards_of(p)),
            "approved": cur.number if cur else None,
            "issued": cur.issued_on.isoformat() if cur and cur.issued_on else None,
            "filing": None if filing is None else (
                f"filed {filing.filed_on.isoformat()}" if filing.filed_on else
                f"overdue since {filing.due}" if filing.overdue else f"due {filing.due}"),
            "open": f"v{opn.number} {opn.status.value}" if opn else None,
            "needs_revision": p.needs_revision})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print_table([{k: ("" if v is None else v) for k, v in r.items()} for r in rows],
                    f"contingency plans ({len(rows)})")
