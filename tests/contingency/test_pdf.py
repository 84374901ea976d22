"""The plan renderer on its own: plain data in, PDF out — no app, no database, no network."""
from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from app.contingency import context as plan_context
from app.contingency import pdf as plan_pdf
from app.contingency.enums import Edition


def _names(zh: str, en: str) -> dict[str, str]:
    return {"name_zh": zh, "name_en": en}


def context(status: str = "draft") -> dict[str, Any]:
    """A small but complete context, as plan_context.build returns it."""
    area = {"code": "X-C01", **_names("试验社区", "Test Community"), "level": "community",
            "level_zh": "社区", "level_en": "Community"}
    group = {"code": "elderly_alone", "zh": "独居老人", "en": "Elderly living alone"}
    return {
        "schema": 1,
        "meta": {
            "plan": {"code": "P-X", "title_zh": "试验社区应急预案", "title_en": "Test plan",
                     "review_due": "2027-01-01"},
            "version": {"id": None, "number": 2, "status": status, "status_zh": "",
                        "status_en": "", "note": ""},
            "as_of": "2026-11-23T08:00:00+00:00", "today": "2026-11-23", "area": area,
            "parent": None, "lineage": [], "hazards": [{"code": "fire", "zh": "火灾",
                                                        "en": "Fire"}],
            "scenario": {"displaced": 120, "days": 3, "hours": 72, "population": 2400,
                         "share": 0.05, "derived": True, "hazard": "fire",
                         "source_zh": "人口 × 比例", "source_en": "population × share",
                         "assumption_source": "demo"},
            "law_zh": plan_context.LAW_ZH, "law_en": plan_context.LAW_EN,
            "template_source": plan_context.TEMPLATE_SOURCE,
        },
        "chapters": [{"key": k, "zh": zh, "en": en, "element_zh": el[0] if el else None,
                      "element_en": el[1] if el else None}
                     for k, zh, en, el in plan_context.CHAPTERS],
        "organisation": {
            "command": [{"code": "T-CMD", **_names("试验社区应急工作组", "Working group"),
                         "leader": "林小堃", "leader_phone": "13800000001", "phone": "",
                         "duties_zh": "组织疏散", "duties_en": "Runs evacuation"}],
            "roster": [{"team": "T-CMD", "team_zh": "试验社区应急工作组",
                        "team_en": "Working group", "name": "林小堃", "role": "队长",
                        "phone": "13800000001"}],
            "field_teams": []},
        "risks": {"hazards": [{"code": "fire", "zh": "火灾", "en": "Fire"}], "area_hazards": [],
                  "population": 2400, "households": 900, "grids": 1,
                  "vulnerable": [{**group, "count": 61}], "vulnerable_total": 61},
        "levels": [{"level": 4, "name_zh": "四级响应", "name_en": "Level IV response",
                    "colour": "blue", "colour_hex": "#2c7bb6", "severity_zh": "一般",
                    "severity_en": "Ordinary", "trigger_zh": "一般事件", "trigger_en": "Minor",
                    "source": "law", "rules": [], "teams": [], "team_counts": [],
                    "checklist": [{"zh": "社区启动四级响应", "en": "Community starts level IV",
                                   "owner": "社区"}]}],
        "resources": {"reach_km": 30.0, "depot_count": 0, "depots": [], "people": 120,
                      "days": 3, "short_items": 1, "source": "",
                      "items": [{"code": "WATER-DRINK", **_names("饮用水", "Drinking water"),
                                 "unit_zh": "升", "unit_en": "L", "stock": 7_531,
                                 "need": 1_080, "coverage": 6.9731, "category": "water_food",
                                 "category_zh": "", "category_en": "", "sources": []}]},
        "shelters": {"reach_km": 5.0, "evacuees": 120, "places": 300, "coverage": 2.5,
                     "population": 2400, "status": "optimal", "placed": 120, "person_km": 1.0,
                     "list": [], "assignment": [], "unplaced": [], "source": ""},
        "expiring": {"within_days": 90, "total_lots": 0, "depots": 0, "rows": [], "more": 0},
        "drills": {"since": "2023-11-23", "years": 3, "done": [], "actions": []},
        "map": {"zh": "", "en": ""},
        "restricted": {"groups": [group], "register": [
            {"code": "X-C01-G01", **_names("第一网格", "Grid 1"), "population": 2400,
             "households": 900, "elderly_alone": 4_321, "total": 4_321}],
            "totals": {"elderly_alone": 4_321},
            "contacts": [{"code": "X-C01-G01", **_names("第一网格", "Grid 1"),
                          "people": [{"name": "网格员甲", "role": "网格员",
                                      "role_en": "Grid worker", "phone": "13900000009"}]}]},
    }


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() or ""
                                      for p in PdfReader(io.BytesIO(pdf)).pages))


@pytest.mark.parametrize(("n", "zh", "en"), [(1, "一、", "1."), (8, "八、", "8."),
                                              (10, "十、", "10."), (11, "十一、", "11."),
                                              (23, "二十三、", "23.")])
def test_chapter_numbers(n: int, zh: str, en: str) -> None:
    assert plan_pdf.chapter_number(n, "zh") == zh
    assert plan_pdf.chapter_number(n, "en") == en


def test_renders_without_an_app_context() -> None:
    pdf, pages = plan_pdf.render(context(), lang="zh")
    text = _text(pdf)
    assert pages >= 3 and "目录" in text and "一、总则" in text and "八、附件" in text
    assert "7,531" in text and "697%" in text and "林小堃" in text
    assert "草稿" in text and "公开版" in text
    assert "4,321" not in text and "网格员甲" not in text


def test_headings_exist_in_both_languages() -> None:
    assert plan_pdf.HEADINGS["zh"].keys() == plan_pdf.HEADINGS["en"].keys()


def test_english_uses_english_headings_and_punctuation() -> None:
    text = _text(plan_pdf.render(context(), lang="en")[0])
    assert "1.Generalprovisions" in text and "8.Annexes" in text and "DRAFT" in text
    assert "：" not in text and "（" not in text


def test_restricted_edition_adds_the_register() -> None:
    text = _text(plan_pdf.render(context(), lang="en", edition=Edition.RESTRICTED)[0])
    assert "4,321" in text and "Gridworker" in text and "13900000009" in text


def test_approved_status_drops_the_watermark() -> None:
    assert "DRAFT" not in _text(plan_pdf.render(context("approved"), lang="en")[0])
    assert "DRAFT" not in _text(plan_pdf.render(context(), lang="en", status="approved")[0])
    assert "DRAFT" in _text(plan_pdf.render(context("submitted"), lang="en")[0])


def test_the_fetcher_serves_only_the_template_folder() -> None:
    fetcher = plan_pdf.LocalOnlyFetcher()
    css = fetcher.fetch((plan_pdf.TEMPLATES / "plan.css").as_uri())
    assert css is not None
    for url in ("http://example.com/plan.css", "https://example.com/font.woff",
                "ftp://example.com/x", (plan_pdf.TEMPLATES.parent / "base.html").as_uri()):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 4


def test_markup_in_data_stays_text() -> None:
    data = context()
    data["organisation"]["roster"][0]["name"] = '<link rel="stylesheet" href="http://x.test/a">'
    fetcher = plan_pdf.LocalOnlyFetcher()
    html = plan_pdf.html(data, lang="zh")
    assert "&lt;link" in html
    plan_pdf.render(data, lang="zh", fetcher=fetcher)
    assert fetcher.refused == []


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        plan_pdf.render(context(), lang="fr")
