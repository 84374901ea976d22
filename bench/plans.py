"""Contingency plan documents on the full demo district: build the context, render the PDF.

Builds the full demo (12 streets, 110 communities, 690 grids) in a fresh SQLite database (not
timed), then times `plan_context.build` and `plan_pdf.render` for a community plan (cold,
then warm: median of 3, zh and en, public and restricted), a street plan, the district plan
and every community plan in a loop. Each row is held to the 3 s floor of a community
document and to baselines measured in the same run: the cold first render, and the same
community document written with whole fonts embedded (no subsetting). Exits 1 if a community
plan takes 3 s or more (build + render).

    python -m bench.plans [--limit N] [--seed 7]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from weasyprint import HTML

from app import create_app
from app.areas.models import Area
from app.cli.db import upgrade
from app.contingency import context as plan_context
from app.contingency import pdf as plan_pdf
from app.contingency import services as plans
from app.contingency.enums import Edition
from app.contingency.models import ContingencyPlan
from app.core import db
from app.core.actor import reset_actor, set_actor, system_actor
from app.core.vocabulary import AreaLevel

FLOOR_S = 3.0  # a community plan, build + render


@dataclass
class Row:
    case: str
    build_s: float
    render_s: float
    pages: int
    kb: int
    community: bool = False
    note: str = ""

    @property
    def total_s(self) -> float:
        return self.build_s + self.render_s


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def _median(runs: list[tuple[Any, float]]) -> tuple[Any, float]:
    order = sorted(range(len(runs)), key=lambda i: runs[i][1])
    return runs[order[len(order) // 2]]


def _one(session: Any, code: str, lang: str = "zh", edition: Edition = Edition.PUBLIC,
         repeat: int = 1, label: str = "", community: bool = False) -> Row:
    plan = plans.load(session, code)
    context, build_s = _median([_timed(lambda: plan_context.build(session, plan))
                                for _ in range(repeat)])
    (pdf, pages), render_s = _median([_timed(lambda: plan_pdf.render(
        context, lang=lang, edition=edition)) for _ in range(repeat)])
    return Row(label or f"{code} {lang} {edition.value}", build_s, render_s, pages,
               len(pdf) // 1024, community,
               f"median of {repeat}" if repeat > 1 else "")


def _whole_fonts(session: Any, code: str) -> Row:
    """The baseline without font subsetting: every glyph of the CJK faces embedded."""
    plan = plans.load(session, code)
    context, build_s = _timed(lambda: plan_context.build(session, plan))

    def render() -> tuple[bytes, int]:
        doc = HTML(string=plan_pdf.html(context, lang="zh"),
                   base_url=plan_pdf.TEMPLATES.as_uri() + "/",
                   url_fetcher=plan_pdf.LocalOnlyFetcher()).render()
        return doc.write_pdf(full_fonts=True), len(doc.pages)

    (pdf, pages), render_s = _timed(render)
    return Row(f"{code} zh public, whole fonts", build_s, render_s, pages, len(pdf) // 1024,
               note="baseline: no subsetting")


def run(limit: int | None, seed: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'plans.sqlite'}"
        upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        try:
            with app.app_context():
                token = set_actor(system_actor("bench"))
                try:
                    return _run(db.session(), limit, seed)
                finally:
                    reset_actor(token)
        finally:
            app.extensions["readygrid.engine"].dispose()


def _run(session: Any, limit: int | None, seed: int) -> int:
    from app.demo import build

    started = time.perf_counter()
    counts = build(session, "full", seed=seed)
    session.commit()
    print(f"full demo built in {time.perf_counter() - started:.1f} s (not timed): "
          f"{counts['areas']} areas, {counts['lots']} lots, {counts['shelters']} shelters, "
          f"{counts['members']} team members")
    codes = list(session.scalars(
        select(ContingencyPlan.code).join(Area, Area.id == ContingencyPlan.area_id)
        .where(Area.level == AreaLevel.COMMUNITY).order_by(ContingencyPlan.code)))
    first = codes[0]
    street = session.scalar(select(ContingencyPlan.code).join(
        Area, Area.id == ContingencyPlan.area_id).where(Area.level == AreaLevel.STREET)
        .order_by(ContingencyPlan.code))

    cold = _one(session, first, label=f"{first} zh public, cold (first render)",
                community=True)
    cold.note = "baseline: fonts, templates, CSS loaded"
    rows = [cold]
    for lang in ("zh", "en"):
        for edition in Edition:
            rows.append(_one(session, first, lang, edition, repeat=3, community=True))
    warm = rows[1]
    rows.append(_whole_fonts(session, first))
    rows.append(_one(session, street, repeat=3))
    rows.append(_one(session, "P-D01", label="P-D01 zh public (district)"))

    loop = codes[:limit] if limit else codes
    each = [_one(session, code, community=True) for code in loop]
    totals = [r.total_s for r in each]
    worst = max(each, key=lambda r: r.total_s)
    rows.append(Row(f"all {len(each)} community plans, zh public: mean",
                    statistics.mean(r.build_s for r in each),
                    statistics.mean(r.render_s for r in each),
                    round(statistics.mean(r.pages for r in each)),
                    round(statistics.mean(r.kb for r in each)),
                    note=f"loop total {sum(totals):.1f} s"))
    rows.append(Row(f"  slowest: {worst.case}", worst.build_s, worst.render_s, worst.pages,
                    worst.kb, community=True))

    print()
    print(f"{'document':<46}{'build s':>8}{'render s':>9}{'total s':>8}{'pages':>6}"
          f"{'KB':>6}{'/3 s':>6}{'/warm':>7}{'/cold':>7}  note")
    for r in rows:
        print(f"{r.case:<46}{r.build_s:>8.2f}{r.render_s:>9.2f}{r.total_s:>8.2f}{r.pages:>6}"
              f"{r.kb:>6}{r.total_s / FLOOR_S:>6.2f}{r.total_s / warm.total_s:>7.2f}"
              f"{r.total_s / cold.total_s:>7.2f}  {r.note}")
    print(f"\nfloor: a community plan (build + render) under {FLOOR_S:g} s; "
          "/warm and /cold: time against the warm and the cold render of "
          f"{first} zh public, measured in this run")

    failures = [r for r in [*rows, *each] if r.community and r.total_s >= FLOOR_S]
    for r in failures:
        print(f"FAIL {r.case}: {r.total_s:.2f} s, floor {FLOOR_S:g} s", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None,
                        help="time only the first N community plans in the loop (default: all)")
    parser.add_argument("--seed", type=int, default=7)
    opts = parser.parse_args(argv)
    return run(opts.limit, opts.seed)


if __name__ == "__main__":
    sys.exit(main())
