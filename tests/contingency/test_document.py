"""The contingency plan document from live data: context, PDF text in both languages, the
two editions, no network, every glyph embedded and drawn."""
from __future__ import annotations

import copy
import io
import json
import re
import socket
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTCollection, TTFont
from pypdf import PdfReader
from sqlalchemy import select

from app.contingency import context as plan_context
from app.contingency import pdf as plan_pdf
from app.contingency import services as plans
from app.contingency.enums import Edition, VersionStatus
from app.models import Area, PlanVersion, Team
from app.stock import services as stock

PLAN = "P-S01-C01"
RARE = "堃"  # outside GB2312: must still come out of the font, not as a box


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _flat(text: str) -> str:
    """Extracted text without the line breaks and spaces layout puts inside table cells."""
    return re.sub(r"\s+", "", text)


def _build(ctx: Any) -> dict[str, Any]:
    return plan_context.build(ctx, plans.load(ctx, PLAN))


def test_context_is_plain_json_with_every_part(ctx: Any, demo: Any) -> None:
    data = _build(ctx)
    assert json.loads(json.dumps(data)) == data  # plain data only: it is stored and hashed
    assert [c["key"] for c in data["chapters"]] == [
        "general", "organisation", "warning", "response", "recovery", "support",
        "management", "annexes"]
    meta = data["meta"]
    assert meta["area"]["code"] == "S01-C01" and meta["parent"]["code"] == "S01"
    assert meta["scenario"]["days"] == 3 and meta["scenario"]["hours"] == 72
    area = ctx.scalar(select(Area).where(Area.code == "S01-C01"))
    assert meta["scenario"]["derived"] and meta["scenario"]["displaced"] > 0
    assert meta["scenario"]["population"] == area.population
    command = {t["code"] for t in data["organisation"]["command"]}
    assert {"T-S01-C01-CMD", "T-S01-CMD", "T-D01-CMD"} <= command
    assert data["organisation"]["roster"] and [lv["level"] for lv in data["levels"]] == [1, 2,
                                                                                          3, 4]
    shelters = data["shelters"]
    assert sum(a["people"] for a in shelters["assignment"]) == shelters["placed"]
    assert shelters["placed"] == meta["scenario"]["displaced"]
    assert {a["grid"] for a in shelters["assignment"]} <= {
        r["code"] for r in data["restricted"]["register"]}
    items = {i["code"]: i for i in data["resources"]["items"]}
    water = items["WATER-DRINK"]
    assert water["need"] > 0 and water["coverage"] == round(water["stock"] / water["need"], 4)
    assert data["map"]["zh"].startswith("<svg") and "<line" in data["map"]["zh"]


def test_an_explicit_scenario_overrides_the_assumption(ctx: Any, demo: Any) -> None:
    plans.save_plan(ctx, {"scenario_displaced": 500, "scenario_days": 5}, PLAN)
    data = _build(ctx)
    scenario = data["meta"]["scenario"]
    assert (scenario["displaced"], scenario["days"], scenario["derived"]) == (500, 5, False)
    assert data["shelters"]["evacuees"] == 500 and data["resources"]["days"] == 5


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_shows_chapters_roster_and_live_numbers(ctx: Any, demo: Any, lang: str) -> None:
    data = _build(ctx)
    pdf, pages = plan_pdf.render(data, lang=lang)
    assert pdf.startswith(b"%PDF") and pages == len(PdfReader(io.BytesIO(pdf)).pages) >= 5
    text = _flat(_text(pdf))
    for n, chapter in enumerate(data["chapters"], start=1):
        title = chapter[lang]
        number = plan_pdf.chapter_number(n, lang)
        assert _flat(f"{number}{title}") in text, title
    for member in data["organisation"]["roster"][:5]:
        assert member["name"] in text and member["phone"] in text
    item = next(i for i in data["resources"]["items"] if i["code"] == "WATER-DRINK")
    assert f"{item['stock']:,}" in text and f"{item['coverage'] * 100:.0f}%" in text
    assert _flat(data["meta"]["plan"][f"title_{lang}"]) in text
    assert ("草稿" if lang == "zh" else "DRAFT") in text  # a draft carries the watermark


def test_a_stock_receipt_changes_the_next_build_not_the_frozen_one(ctx: Any,
                                                                   demo: Any) -> None:
    draft = plans.new_draft(ctx, PLAN)
    plans.submit(ctx, PLAN, draft.number)
    ctx.commit()
    frozen = copy.deepcopy(ctx.get(PlanVersion, draft.id).snapshot)
    before = _build(ctx)
    stock.receive(ctx, depot="DEP-S01", item="WATER-DRINK", quantity=123_457,
                  lot_number="PLAN-TEST-1")
    ctx.commit()
    after = _build(ctx)
    old = next(i for i in before["resources"]["items"] if i["code"] == "WATER-DRINK")
    new = next(i for i in after["resources"]["items"] if i["code"] == "WATER-DRINK")
    assert new["stock"] == old["stock"] + 123_457 and new["coverage"] > old["coverage"]
    assert f"{new['stock']:,}" in _text(plan_pdf.render(after, lang="en")[0])
    ctx.expire_all()
    version = ctx.get(PlanVersion, draft.id)
    assert version.snapshot == frozen  # the submitted snapshot never moves
    assert version.snapshot_sha256 == plans.sha256(plans.canonical_json(frozen))
    stored = next(i for i in version.snapshot["resources"]["items"] if i["code"] == "WATER-DRINK")
    assert stored["stock"] == old["stock"]
    pdf, _ = plans.document(ctx, PLAN, number=draft.number, lang="en")
    assert f"{old['stock']:,}" in _text(pdf) and f"{new['stock']:,}" not in _text(pdf)


def _approved(session: Any) -> PlanVersion:
    """A new version of PLAN drafted, submitted and approved (committed)."""
    draft = plans.new_draft(session, PLAN)
    plans.submit(session, PLAN, draft.number)
    version = plans.approve(session, PLAN, draft.number)
    session.commit()
    return version


def test_approval_stores_four_documents_without_the_draft_mark(ctx: Any, demo: Any,
                                                                database_url: str) -> None:
    """Approval returns at once; the job renders the four PDFs after the commit."""
    from app.contingency import jobs

    version = _approved(ctx)
    assert version.status is VersionStatus.APPROVED and version.documents == []
    assert plans.versions_missing_documents(ctx) == [version.id]
    assert jobs.render_plan_documents(url=database_url) == 4
    assert jobs.render_plan_documents(url=database_url) == 0  # each rendered once
    ctx.expire_all()
    assert plans.versions_missing_documents(ctx) == []
    version = ctx.get(PlanVersion, version.id)
    assert {(d.lang, d.edition) for d in version.documents} == {
        (lang, ed) for lang in ("zh", "en") for ed in Edition}
    zh = _text(next(d.pdf for d in version.documents
                    if d.lang == "zh" and d.edition is Edition.PUBLIC))
    en = _text(next(d.pdf for d in version.documents
                    if d.lang == "en" and d.edition is Edition.PUBLIC))
    assert "已批准" in zh and "草稿" not in zh
    assert "Approved" in en and "DRAFT" not in en


def test_public_edition_lacks_the_register_restricted_has_it(ctx: Any, demo: Any) -> None:
    grid = ctx.scalar(select(Area).where(Area.code == "S01-C01-G01"))
    grid.elderly_alone = 98_765  # a figure found nowhere else in the document
    ctx.flush()
    data = _build(ctx)
    public = {lang: _flat(_text(plan_pdf.render(data, lang=lang)[0])) for lang in ("zh", "en")}
    restricted = {lang: _flat(_text(plan_pdf.render(data, lang=lang,
                                                    edition=Edition.RESTRICTED)[0]))
                  for lang in ("zh", "en")}
    for lang in ("zh", "en"):
        h = plan_pdf.HEADINGS[lang]
        for marker in ("98,765", _flat(h["register"]), _flat(h["grid_contacts"]),
                       _flat(h["restricted_note"]), _flat(Edition.RESTRICTED.label(lang))):
            assert marker not in public[lang], marker
            assert marker in restricted[lang], marker
        assert _flat(Edition.PUBLIC.label(lang)) in public[lang]
    total = next(r["total"] for r in data["restricted"]["register"]
                 if r["code"] == "S01-C01-G01")
    assert f"{total:,}" in restricted["zh"]


def test_rendering_fetches_nothing_from_the_network(ctx: Any, demo: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    team = ctx.scalar(select(Team).where(Team.code == "T-S01-C01-V"))
    team.name_zh = '<img src="http://example.com/x.png">志愿者队'
    ctx.flush()
    data = _build(ctx)

    def no_network(*_a: Any, **_k: Any) -> None:
        raise AssertionError("the renderer tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    fetcher = plan_pdf.LocalOnlyFetcher()
    pdf, _ = plan_pdf.render(data, lang="zh", fetcher=fetcher)
    assert fetcher.refused == []  # names are escaped text, never markup
    assert "http://example.com/x.png" in _text(pdf)
    for url in ("http://example.com/a.css", "https://fonts.example.com/f.woff2",
                "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.refused[-3:] == ["http://example.com/a.css",
                                    "https://fonts.example.com/f.woff2", "file:///etc/passwd"]


@cache
def _font_cmap() -> frozenset[int]:
    """Code points of the fonts the stylesheet names, read from the system's files."""
    covered: set[int] = set()
    for family in ("Noto Sans CJK SC", "Noto Serif CJK SC"):
        path = subprocess.run(["fc-match", "-f", "%{file}", family], check=True,
                              capture_output=True, text=True).stdout.strip()
        fonts = (TTCollection(path).fonts if path.lower().endswith(".ttc")
                 else [TTFont(path)])
        for font in fonts:
            covered.update(font.getBestCmap())
    return frozenset(covered)


def _pdffonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    target = tmp_path / "plan.pdf"
    target.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(target)], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    return [line.split() for line in out[2:] if line.strip()]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_glyph_is_embedded_and_covered(ctx: Any, demo: Any, tmp_path: Path,
                                             lang: str) -> None:
    area = ctx.scalar(select(Area).where(Area.code == "S01-C01"))
    area.name_zh, area.name_en = f"{RARE}园社区", f"Kun{RARE} Community"
    team = ctx.scalar(select(Team).where(Team.code == "T-S01-C01-CMD"))
    team.members[0].name = f"王{RARE}"
    ctx.flush()
    pdf, _ = plan_pdf.render(_build(ctx), lang=lang, edition=Edition.RESTRICTED)
    fonts = _pdffonts(pdf, tmp_path)
    assert fonts, "no fonts in the PDF"
    for row in fonts:
        # columns: name, type (several words), encoding, emb, sub, uni, object, ID
        emb = row[-5]
        assert emb == "yes", row
        assert "Noto" in row[0], row
    text = _text(pdf)
    assert RARE in text and f"王{RARE}" in text
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in _font_cmap()}
    assert not missing, f"characters without a glyph: {sorted(missing)}"


def test_pages_render_to_non_trivial_images(ctx: Any, demo: Any, tmp_path: Path) -> None:
    from PIL import Image

    pdf, pages = plan_pdf.render(_build(ctx), lang="zh")
    (tmp_path / "plan.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2",
                    str(tmp_path / "plan.pdf"), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 2
    for png in images:
        assert png.stat().st_size > 5_000
        with Image.open(png) as im:
            grey = im.convert("L")
            assert grey.size[1] > grey.size[0] > 400  # portrait A4 at 60 dpi: 496 x 702
            low, high = grey.getextrema()
            assert high - low > 150  # ink on paper, not a blank page
            dark = sum(grey.histogram()[:128])
            assert dark > 500  # text was drawn, not just the frame


def test_a_download_before_the_job_renders_and_stores_that_pdf_once(ctx: Any, demo: Any,
                                                                    database_url: str) -> None:
    from app.contingency import jobs

    version = _approved(ctx)
    first, _ = plans.document(ctx, PLAN, lang="en")  # the approved version, just approved
    assert "Approved" in _text(first)
    ctx.expire_all()
    version = ctx.get(PlanVersion, version.id)
    assert [(d.lang, d.edition) for d in version.documents] == [("en", Edition.PUBLIC)]
    assert version.documents[0].pdf == first
    assert jobs.render_plan_documents(url=database_url) == 3  # the other three
    again, _ = plans.document(ctx, PLAN, lang="en")
    assert again == first  # stored once, then served byte for byte


def test_two_processes_storing_the_same_pdf_keep_the_first(ctx: Any, demo: Any,
                                                            app: Any) -> None:
    """The job and a download racing for one PDF: the unique key keeps one, and the loser is
    handed the winner's bytes."""
    from sqlalchemy.orm import Session

    version = _approved(ctx)
    assert version.documents == []
    with Session(app.extensions["readygrid.engine"], expire_on_commit=False) as rival:
        theirs = plans.store_document(rival, rival.get(PlanVersion, version.id), "zh",
                                      Edition.PUBLIC)
        rival.commit()
    mine = plans.store_document(ctx, version, "zh", Edition.PUBLIC)  # loses the race
    ctx.commit()
    assert mine.id == theirs.id and mine.pdf == theirs.pdf
    assert len(ctx.get(PlanVersion, version.id).documents) == 1
