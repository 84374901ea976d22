"""Render a plan document's data context to PDF with WeasyPrint (no network access).

The renderer needs no request, no app context and no database: a standalone Jinja2
environment on app/templates/plan_pdf, labels from the context in the chosen language plus
the fixed headings below, and a URL fetcher that only reads files of the template folder
(the stylesheet). Fonts are the system's Noto CJK (fonts-noto-cjk), subset by HarfBuzz.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.contingency.enums import Edition

TEMPLATES = Path(__file__).resolve().parent / "templates" / "plan_pdf"
LANGS = ("zh", "en")
CN_NUMERALS = "一二三四五六七八九十"
SVG_FONTS = "'Noto Sans CJK SC', 'Noto Serif CJK SC', sans-serif"
ROMAN = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ"}
PUNCTUATION = {
    "zh": {"colon": "：", "semi": "；", "sep": "、", "lp": "（", "rp": "）", "comma": "，",
           "stop": "。"},
    "en": {"colon": ": ", "semi": "; ", "sep": ", ", "lp": " (", "rp": ")", "comma": ", ",
           "stop": "."},
}

HEADINGS: dict[str, dict[str, str]] = {
    "zh": {
        "contents": "目录", "edition": "版本类别", "version": "版本", "status": "状态",
        "plan_code": "预案编号", "area": "适用区域", "parent": "上级区域", "as_of": "数据截至",
        "draft_mark": "草稿", "unnumbered": "未编号（实时数据）", "page": "第", "page_of": "页",
        "purpose": "编制目的",
        "purpose_text": "为有效预防和处置本区域突发事件，保障居民生命财产安全，"
                        "依据{law}及上级预案，结合本区域实际，制定本预案。",
        "scope": "适用范围", "basis": "编制依据", "principles": "工作原则",
        "principles_text": "以人为本、预防为主；统一领导、分级负责；属地为主、先期处置；"
                           "优先保护独居老人、残疾人、孕妇和婴幼儿等弱势群体。",
        "art28": "本预案对照《突发事件应对法》第二十八条，涵盖以下要素：",
        "chapter_element": "章节", "element": "法定要素",
        "risks": "风险分析", "hazards": "主要灾种", "population": "常住人口",
        "households": "户数", "grids": "网格数", "vulnerable": "弱势人员（汇总）",
        "vulnerable_total": "弱势人员合计", "group": "类别", "count": "人数",
        "scenario": "规划情景",
        "scenario_text": "按 {displaced} 人转移安置、持续 {hours} 小时（{days} 天）"
                         "规划物资与避难场所。",
        "scenario_source": "情景来源",
        "command": "应急指挥机构", "team": "队伍", "leader": "负责人", "phone": "电话",
        "duties": "职责", "roster": "通讯录", "name": "姓名", "role": "职务",
        "field_teams": "救援与志愿者队伍", "kind": "类别", "speciality": "专业", "size": "人数",
        "availability": "状态",
        "levels_warning": "预警与响应分级", "level": "级别", "severity": "事件等级",
        "colour": "颜色", "trigger": "启动条件", "reporting": "信息报告",
        "reporting_text": "事发后，网格员和社区信息报告员应立即向社区应急工作组报告，"
                          "社区在30分钟内向街道报告，并按响应级别持续续报。",
        "response_levels": "分级响应措施", "mobilised": "调集队伍", "rules": "调集规则",
        "checklist": "行动清单", "owner": "责任方", "more_teams": "等 {n} 支队伍",
        "evacuation": "转移安置", "shelters": "避难场所", "places": "容量",
        "evacuees": "预计转移人数", "coverage": "保障率", "distance": "距离（公里）",
        "accessible": "无障碍", "grade": "等级", "assignment": "疏散安置分配（优化结果）",
        "grid": "网格", "shelter": "避难场所", "people": "人数", "unplaced": "未能安置",
        "assignment_note": "按轮椅使用者优先、安置人数最多、人员距离最短求解；半径 {km} 公里。",
        "recovery_text": "应急处置结束后，社区配合街道开展善后处置、损失统计、心理疏导和恢复重建，"
                         "组织评估本次应对，提出预案修订意见。",
        "recovery_actions": "待整改事项",
        "supplies": "应急物资保障", "item": "物资", "stock": "可用库存", "need": "情景需求",
        "unit": "单位", "depots": "储备库（在可调运范围内）", "depot": "储备库",
        "contact": "联系人",
        "supplies_note": "库存为 {km} 公里范围内及本区域内储备库未过期、未预留的数量；"
                         "需求按规划定额计算 {people} 人 × {days} 天。",
        "more_shelters": "{km} 公里内共有 {n} 处避难场所，上表列出本区域的、已分配的和最近的。",
        "more_depots": "可调运范围（{km} 公里）内共有 {n} 个储备库，库存合计全部计入；"
                       "上表列出本区域的和最近的。",
        "expiring": "临期物资（{days} 天内到期）", "lot": "批次", "expiry": "到期日",
        "quantity": "数量", "expired": "已过期", "more_rows": "另有 {n} 个批次未列出。",
        "none": "无",
        "drill_record": "演练记录（近 {years} 年）", "date": "日期", "type": "类型",
        "hazard": "灾种", "measures": "实测时间", "ratings": "能力评估",
        "target": "目标", "actual": "实际", "seconds": "秒",
        "open_actions": "未关闭的整改事项", "due": "期限", "overdue": "已逾期",
        "revision": "预案修订与备案",
        "revision_text": "本预案原则上每三年评估修订一次；演练或实际处置发现问题时及时修订。"
                         "社区预案印发后20个工作日内报街道备案。",
        "review_due": "下次评估期限",
        "map": "区域示意图",
        "map_legend": "圆：网格（大小按人口）；方块：储备库；三角：避难场所；虚线：疏散安置路线。",
        "register": "弱势人员台账（按网格，内部）", "grid_contacts": "网格联系人（内部）",
        "restricted_note": "本附件含个人相关信息，仅限授权人员使用，不得公开。",
        "total": "合计", "yes": "是", "no": "否",
    },
    "en": {
        "contents": "Contents", "edition": "Edition", "version": "Version", "status": "Status",
        "plan_code": "Plan code", "area": "Area", "parent": "Parent area", "as_of": "Data as of",
        "draft_mark": "DRAFT", "unnumbered": "unnumbered (live data)", "page": "Page",
        "page_of": "",
        "purpose": "Purpose",
        "purpose_text": "This plan prepares the area to prevent and respond to emergencies and to "
                        "protect residents' lives and property, under the {law} and the plans "
                        "of the areas above.",
        "scope": "Scope", "basis": "Legal basis", "principles": "Principles",
        "principles_text": "People first, prevention first; unified leadership, responsibility "
                           "by level; local first response; vulnerable residents (elderly living "
                           "alone, disabled, pregnant women, infants) protected first.",
        "art28": "Following Art. 28 of the Emergency Response Law, the plan covers:",
        "chapter_element": "Chapter", "element": "Statutory element",
        "risks": "Risk analysis", "hazards": "Main hazards", "population": "Population",
        "households": "Households", "grids": "Grids", "vulnerable": "Vulnerable residents (totals)",
        "vulnerable_total": "Vulnerable residents in all", "group": "Group", "count": "People",
        "scenario": "Planning scenario",
        "scenario_text": "Supplies and shelter are planned for {displaced} displaced people for "
                         "{hours} hours ({days} days).",
        "scenario_source": "Source",
        "command": "Command organisation", "team": "Team", "leader": "Leader", "phone": "Phone",
        "duties": "Duties", "roster": "Contact roster", "name": "Name", "role": "Role",
        "field_teams": "Rescue and volunteer teams", "kind": "Kind", "speciality": "Speciality",
        "size": "Members", "availability": "Availability",
        "levels_warning": "Warning and response levels", "level": "Level",
        "severity": "Severity", "colour": "Colour", "trigger": "Trigger",
        "reporting": "Reporting",
        "reporting_text": "Grid workers and the community's information reporters report at once "
                          "to the community working group; the community reports to the street "
                          "within 30 minutes and follows up as the response level requires.",
        "response_levels": "Response by level", "mobilised": "Teams mobilised",
        "rules": "Call-out rules", "checklist": "Action checklist", "owner": "Owner",
        "more_teams": "{n} teams in all",
        "evacuation": "Evacuation and shelter", "shelters": "Shelters", "places": "Places",
        "evacuees": "Expected evacuees", "coverage": "Coverage", "distance": "Distance (km)",
        "accessible": "Step-free", "grade": "Grade",
        "assignment": "Evacuation assignment (optimised)", "grid": "Grid", "shelter": "Shelter",
        "people": "People", "unplaced": "Not placed",
        "assignment_note": "Solved for wheelchair users first, then most people placed, then "
                           "shortest distance; within {km} km.",
        "recovery_text": "After the response the community supports the street in aftercare, "
                         "damage counts, counselling and reconstruction, reviews the response "
                         "and proposes revisions of this plan.",
        "recovery_actions": "Corrective actions to close",
        "supplies": "Supplies", "item": "Item", "stock": "Usable stock", "need": "Scenario need",
        "unit": "Unit", "depots": "Depots in reach", "depot": "Depot", "contact": "Contact",
        "supplies_note": "Stock: unexpired, unreserved units in depots of the area or within "
                         "{km} km. Need: planning norms for {people} people × {days} days.",
        "more_shelters": "{n} shelters lie within {km} km; the table lists the area's own, "
                         "those assigned and the nearest.",
        "more_depots": "{n} depots lie within reach ({km} km) and all count in the stock; the "
                       "table lists the area's own and the nearest.",
        "expiring": "Stock expiring within {days} days", "lot": "Lot", "expiry": "Expiry",
        "quantity": "Quantity", "expired": "expired", "more_rows": "{n} more lots not listed.",
        "none": "None",
        "drill_record": "Drill record (last {years} years)", "date": "Date", "type": "Type",
        "hazard": "Hazard", "measures": "Measured times", "ratings": "Capability ratings",
        "target": "target", "actual": "actual", "seconds": "s",
        "open_actions": "Open corrective actions", "due": "Due", "overdue": "overdue",
        "revision": "Revision and filing",
        "revision_text": "The plan is reviewed at least every three years and revised whenever a "
                         "drill or a real response exposes problems. Community plans are filed "
                         "with the street within 20 working days of issue.",
        "review_due": "Next review due",
        "map": "Area map",
        "map_legend": "Circles: grids (sized by population); squares: depots; triangles: "
                      "shelters; dashed lines: evacuation routes.",
        "register": "Vulnerable-resident register by grid (restricted)",
        "grid_contacts": "Grid contacts (restricted)",
        "restricted_note": "This annex holds personal information: for authorised staff only; "
                           "never publish it.",
        "total": "Total", "yes": "yes", "no": "no",
    },
}


class LocalOnlyFetcher(URLFetcher):
    """Serves files of the template folder and data: URLs; refuses everything else (http,
    https, ftp, other files), and remembers what it refused."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file", "data"), fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parsed = urlparse(url)
        if parsed.scheme == "data":
            return super().fetch(url, headers)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if path.is_relative_to(TEMPLATES) and path.is_file():
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _mime(path)})
        self.refused.append(url)
        raise ValueError(f"plan_pdf fetches nothing outside its template folder: {url}")


def _mime(path: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix, "application/octet-stream")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(
        ["html"]), undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    return env


def _num(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _pct(ratio: Any) -> str:
    return "—" if ratio is None else f"{ratio * 100:.0f}%"


ENV = _environment()


def chapter_number(n: int, lang: str) -> str:
    """一、二、… in Chinese; 1. 2. … in English."""
    if lang == "zh":
        if n <= 10:
            return CN_NUMERALS[n - 1] + "、"
        tens, ones = divmod(n, 10)
        return (CN_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (
            CN_NUMERALS[ones - 1] if ones else "") + "、"
    return f"{n}."


def html(context: dict[str, Any], *, lang: str = "zh", edition: Edition = Edition.PUBLIC,
         status: str | None = None) -> str:
    """The document as HTML (what WeasyPrint lays out)."""
    if lang not in LANGS:
        raise ValueError(f"lang is one of {LANGS}")
    h = HEADINGS[lang]
    meta = context["meta"]
    state = status or meta["version"]["status"]
    restricted = edition is Edition.RESTRICTED

    def t(obj: dict[str, Any], key: str = "name") -> str:
        """The language's value of a bilingual pair: obj[key_zh] / obj[key_en]."""
        if key in ("", None):
            return str(obj.get(lang) or obj.get("zh") or "")
        value = obj.get(f"{key}_{lang}")
        return str(value if value not in (None, "") else obj.get(f"{key}_zh") or "")

    def fmt(key: str, **kw: Any) -> str:
        return h[key].format(**kw)

    chapters = [dict(c, number=chapter_number(i + 1, lang), anchor=f"ch-{c['key']}")
                for i, c in enumerate(context["chapters"])]
    return ENV.get_template("plan.html").render(
        c=context, meta=meta, h=h, p=PUNCTUATION[lang], t=t, fmt=fmt, lang=lang,
        restricted=restricted,
        edition_label=edition.label(lang), status=state,
        status_label=_status_label(state, lang), draft=state != "approved",
        chapters={c["key"]: c for c in chapters}, chapter_list=chapters, roman=ROMAN,
        as_of=_as_of(meta["as_of"]), map_svg=Markup(_svg_fonts(context["map"].get(lang, ""))))


def _svg_fonts(svg: str) -> str:
    """SVG text does not inherit the page's fonts: name the same families on the map."""
    return svg.replace("<text ", f'<text font-family="{SVG_FONTS}" ')


def _status_label(state: str, lang: str) -> str:
    from app.contingency.enums import VersionStatus
    try:
        return VersionStatus(state).label(lang)
    except ValueError:
        return state


def _as_of(raw: str) -> str:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    from zoneinfo import ZoneInfo

    from app.core.clock import DEFAULT_TIMEZONE
    return moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).strftime("%Y-%m-%d %H:%M")


def render(context: dict[str, Any], *, lang: str = "zh",
           edition: Edition = Edition.PUBLIC, status: str | None = None,
           fetcher: LocalOnlyFetcher | None = None) -> tuple[bytes, int]:
    """(PDF bytes, page count). The restricted section only in the restricted edition.

    `status` overrides the version status frozen in the snapshot (the cover and the DRAFT
    watermark follow it): a snapshot is taken while its version is a draft, and the caller
    knows what has become of it since (submitted, approved).
    """
    document = HTML(string=html(context, lang=lang, edition=edition, status=status),
                    base_url=TEMPLATES.as_uri() + "/",
                    url_fetcher=fetcher or LocalOnlyFetcher()).render()
    return document.write_pdf(), len(document.pages)
