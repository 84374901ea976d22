"""CAP 1.2 (OASIS Common Alerting Protocol) alerts: export an incident's history, import one.

Export. Every published step of an incident's history (app.models.incidents.IncidentEvent)
is one CAP <alert>, numbered 1, 2, ... in order:

- the declaration: msgType ``Alert``;
- a level change: msgType ``Update``, whose <references> name every earlier alert;
- the end of the response: msgType ``Update`` with responseType ``AllClear``.

Why not ``Cancel`` for the end? CAP 1.2 §3.2.1 defines Cancel as "cancel the earlier
message(s) identified in <references>": receivers withdraw the earlier alert, as if it had
been sent in error, and need not show anything to the public. ``AllClear`` (new in 1.2,
§3.2.2 responseType) is "the subject event no longer poses a threat or concern and any follow
on action is described in <instruction>" — a positive message people see, which is what the end
of a response is. Cancel is kept for retracting an alert sent in error (not done here).

Drills (exercise incidents) carry status ``Exercise``, real incidents ``Actual``; scope is
always ``Public``. Times are local (Asia/Shanghai by default) with an explicit offset, never
"Z": the schema's pattern is ``\\d\\d\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d[-,+]\\d\\d:\\d\\d``.

Import. An alert (status Actual or Exercise, msgType Alert or Update) is schema-validated and
becomes a *draft* incident: nothing is mobilised until a coordinator declares it.
Parsing is safe: any DOCTYPE is refused (so no entity can be declared, internal or external),
entities are never resolved and the parser never touches the network.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core.access import require_writer
from app.core.clock import local_tz
from app.core.errors import Conflict, ValidationFailed
from app.core.i18n import _
from app.core.lookup import actor
from app.core.vocabulary import AreaLevel, Hazard
from app.incidents import services as incident_svc
from app.incidents.enums import IncidentEventKind
from app.incidents.models import Incident, IncidentEvent

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "CAP-v1.2.xsd"
MAX_ALERT_BYTES = 1024 * 1024
VALUE_PREFIX = "readygrid:"  # valueName prefix of our eventCode / parameter / geocode pairs

# --- Mappings, as data with their sources -------------------------------------------------

LEVEL_TO_CAP: dict[int, dict[str, str]] = {
    # Response level (Emergency Response Law 2024 Art. 71: 一级 highest) → CAP severity.
    # The grading 特别重大/重大/较大/一般 ↔ Ⅰ..Ⅳ ↔ red/orange/yellow/blue is the national
    # convention (Art. 3, 63; domain.md §2); Ⅰ→Extreme .. Ⅳ→Minor is a local convention
    # (domain.md §7), CAP 1.2 §3.2.2 severity: Extreme "extraordinary threat to life or
    # property", Severe "significant", Moderate "possible", Minor "minimal to no known".
    # Urgency: a declared response is under way, so Ⅰ/Ⅱ call for action now (Immediate) and
    # Ⅲ/Ⅳ within the next hour (Expected). Certainty: a response is declared for an event
    # that is happening (Observed). Local plans may change all of these.
    1: {"roman": "Ⅰ", "severity": "Extreme", "urgency": "Immediate", "certainty": "Observed",
        "colour_en": "red", "colour_zh": "红色"},
    2: {"roman": "Ⅱ", "severity": "Severe", "urgency": "Immediate", "certainty": "Observed",
        "colour_en": "orange", "colour_zh": "橙色"},
    3: {"roman": "Ⅲ", "severity": "Moderate", "urgency": "Expected", "certainty": "Observed",
        "colour_en": "yellow", "colour_zh": "黄色"},
    4: {"roman": "Ⅳ", "severity": "Minor", "urgency": "Expected", "certainty": "Observed",
        "colour_en": "blue", "colour_zh": "蓝色"},
}
# Import: CAP severity → response level (the inverse; Unknown → Ⅳ, the coordinator adjusts it).
SEVERITY_TO_LEVEL = {"Extreme": 1, "Severe": 2, "Moderate": 3, "Minor": 4, "Unknown": 4}

# Hazard → CAP 1.2 §3.2.2 category (Met: meteorological incl. flood; Geo: geophysical incl.
# landslide; CBRNE: chemical, biological, radiological, nuclear or explosive; Health: medical
# and public health).
HAZARD_CATEGORY: dict[Hazard, str] = {
    Hazard.FLOOD: "Met", Hazard.TYPHOON: "Met", Hazard.RAINSTORM: "Met",
    Hazard.HEATWAVE: "Met", Hazard.EARTHQUAKE: "Geo", Hazard.LANDSLIDE: "Geo",
    Hazard.FIRE: "Fire", Hazard.HAZMAT: "CBRNE", Hazard.EPIDEMIC: "Health",
}
# Import: words in <event> / <headline> that name a hazard (checked in this order), then the
# category as a last resort.
HAZARD_WORDS: list[tuple[Hazard, tuple[str, ...]]] = [
    (Hazard.TYPHOON, ("typhoon", "tropical cyclone", "hurricane", "台风", "热带气旋")),
    (Hazard.FLOOD, ("flood", "洪", "涝")),
    (Hazard.RAINSTORM, ("rainstorm", "heavy rain", "暴雨", "强降雨")),
    (Hazard.LANDSLIDE, ("landslide", "mudslide", "debris flow", "滑坡", "泥石流", "崩塌",
                        "地质灾害")),
    (Hazard.EARTHQUAKE, ("earthquake", "seismic", "地震")),
    (Hazard.HAZMAT, ("hazmat", "chemical", "toxic", "危化", "化学", "泄漏")),
    (Hazard.HEATWAVE, ("heat", "高温")),
    (Hazard.EPIDEMIC, ("epidemic", "disease", "outbreak", "疫情", "传染", "公共卫生")),
    (Hazard.FIRE, ("fire", "wildfire", "火")),
]
CATEGORY_HAZARD = {"Fire": Hazard.FIRE, "CBRNE": Hazard.HAZMAT, "Health": Hazard.EPIDEMIC,
                   "Geo": Hazard.EARTHQUAKE, "Met": Hazard.RAINSTORM}

# Radius of the circle drawn around an area's centroid, by level (km). A planning default:
# communities in Chinese cities span roughly 0.5-2 km, grids a few hundred metres.
AREA_RADIUS_KM = {AreaLevel.DISTRICT: 10.0, AreaLevel.STREET: 3.0,
                  AreaLevel.COMMUNITY: 1.0, AreaLevel.GRID: 0.5}

TEXT = {  # the fixed wording of the two <info> blocks
    "zh-CN": {
        "response": "{level}级应急响应（{colour}）",
        "declared": "{district}启动{hazard}{response}",
        "level_changed": "{district}{hazard}应急响应调整为{response}",
        "closed": "{district}{hazard}应急响应结束",
        "exercise": "【演练】",
        "area": "{name}：受影响{affected}人，需转移安置{displaced}人",
        "areas": "影响区域：",
        "instruction": "请关注官方发布的信息，服从社区和网格员的安排；需要转移的居民请按指引"
                       "前往就近避难场所，并照顾好老人、儿童和行动不便的邻居。",
        "all_clear": "应急响应已结束。请按社区通知有序返回，注意检查住所安全，发现险情及时报告。",
        "sender": "{district}应急管理（ReadyGrid）",
        "note": "演练信息，非真实事件",
    },
    "en-US": {
        "response": "level {level} response ({colour})",
        "declared": "{district}: {hazard} {response} declared",
        "level_changed": "{district}: {hazard} response changed to {response}",
        "closed": "{district}: {hazard} response ended (all clear)",
        "exercise": "[EXERCISE] ",
        "area": "{name}: {affected} affected, {displaced} to be relocated",
        "areas": "Affected areas: ",
        "instruction": "Follow official announcements and the instructions of community and "
                       "grid staff. If told to leave, go to the nearest emergency shelter and "
                       "help elderly, young and disabled neighbours.",
        "all_clear": "The emergency response has ended. Return as your community advises, "
                     "check your home is safe and report any hazard.",
        "sender": "{district} emergency management (ReadyGrid)",
        "note": "Exercise message, not a real emergency",
    },
}
ROMAN_EN = {1: "I", 2: "II", 3: "III", 4: "IV"}


# --- Plain data --------------------------------------------------------------------------

@dataclass(frozen=True)
class AreaData:
    code: str
    name_zh: str
    name_en: str
    level: AreaLevel
    lat: float | None
    lon: float | None
    affected: int
    displaced: int


@dataclass(frozen=True)
class AlertData:
    """Everything one CAP alert says, independent of the database."""

    number: int
    identifier: str
    sender: str
    sent: datetime
    kind: IncidentEventKind
    msg_type: str
    exercise: bool
    level: int
    hazard: Hazard
    incident_code: str
    district_zh: str
    district_en: str
    onset: datetime
    expires: datetime | None
    areas: tuple[AreaData, ...]
    references: tuple[str, ...] = ()
    web: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    reports: tuple[str, ...] = ()  # situation reports made since the previous alert

    @property
    def reference(self) -> str:
        """This alert as another alert's reference: "sender,identifier,sent"."""
        return f"{self.sender},{self.identifier},{cap_time(self.sent)}"


NOTE_MAX = 2000  # characters of an alert's <note>


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def cap_time(moment: datetime) -> str:
    """A CAP dateTime: local time, whole seconds, an explicit offset (never "Z")."""
    local = moment.astimezone(local_tz()).replace(microsecond=0)
    text = local.isoformat()
    return text[:-6] + "+00:00" if text.endswith("Z") else text


def _token(text: str) -> str:
    """CAP forbids spaces, commas and the restricted characters < & in identifiers."""
    return re.sub(r"[\s,<&]+", "-", text.strip())


def default_sender(district_code: str, configured: str | None = None) -> str:
    return _token(configured or f"readygrid@{district_code}")


def alerts_of(incident: Incident, sender: str, web: str | None = None,
              reports: Sequence[tuple[datetime, str]] = ()) -> list[AlertData]:
    """The CAP alerts of an incident's published history (drafts publish nothing). An Update
    alert's <note> carries the situation reports (time, line) made since the alert before it:
    all earlier than the alert, so a later export repeats the same note."""
    published = [e for e in incident.events if e.kind is not IncidentEventKind.IMPORTED]
    if not published and incident.status.value != "draft":
        # An incident from before its history was kept: its declaration, at its start.
        published = [IncidentEvent(number=1, kind=IncidentEventKind.DECLARED,
                                   level=incident.level, at=incident.started_at)]
    district = incident.district
    areas = tuple(AreaData(ia.area.code, ia.area.name_zh, ia.area.name_en or ia.area.name_zh,
                           ia.area.level, ia.area.lat, ia.area.lon, ia.affected, ia.displaced)
                  for ia in incident.areas)
    expires = incident.started_at + timedelta(days=incident.duration_days)
    out: list[AlertData] = []
    for n, event in enumerate(published, start=1):
        msg_type = "Alert" if n == 1 else "Update"
        alert = AlertData(
            number=n, identifier=_token(f"{sender}:{incident.code}:{n}"), sender=sender,
            sent=event.at, kind=event.kind, msg_type=msg_type, exercise=incident.exercise,
            level=event.level, hazard=incident.hazard, incident_code=incident.code,
            district_zh=district.name_zh, district_en=district.name_en or district.name_zh,
            onset=incident.started_at,
            expires=None if event.kind is IncidentEventKind.CLOSED else max(expires, event.at),
            areas=areas, references=tuple(a.reference for a in out), web=web,
            reports=tuple(line for at, line in reports if n > 1
                          and out[-1].sent < at <= event.at))
        out.append(alert)
    return out


# --- Building XML ------------------------------------------------------------------------

def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        child.text = text
    return child


def _pair(parent: etree._Element, tag: str, name: str, value: str) -> None:
    node = _sub(parent, tag)
    _sub(node, "valueName", name)
    _sub(node, "value", value)


def alert_element(alert: AlertData) -> etree._Element:
    """The <alert> element of one alert (schema order of CAP-v1.2.xsd)."""
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(root, "identifier", alert.identifier)
    _sub(root, "sender", alert.sender)
    _sub(root, "sent", cap_time(alert.sent))
    _sub(root, "status", "Exercise" if alert.exercise else "Actual")
    _sub(root, "msgType", alert.msg_type)
    _sub(root, "source", "ReadyGrid")
    _sub(root, "scope", "Public")
    notes = [f"{TEXT['zh-CN']['note']} / {TEXT['en-US']['note']}"] if alert.exercise else []
    if alert.reports:
        notes.append("现场情况报告 / Situation reports: " + " | ".join(alert.reports))
    if notes:
        _sub(root, "note", _clip(" — ".join(notes), NOTE_MAX))
    if alert.references:
        _sub(root, "references", " ".join(alert.references))
    _sub(root, "incidents", _token(alert.incident_code))
    for language in ("zh-CN", "en-US"):
        _info(root, alert, language)
    return root


def _info(root: etree._Element, alert: AlertData, language: str) -> None:
    words = TEXT[language]
    zh = language.startswith("zh")
    cap = LEVEL_TO_CAP[alert.level]
    closed = alert.kind is IncidentEventKind.CLOSED
    info = _sub(root, "info")
    _sub(info, "language", language)
    _sub(info, "category", HAZARD_CATEGORY[alert.hazard])
    hazard = alert.hazard.label("zh" if zh else "en")
    _sub(info, "event", hazard)
    if closed:
        _sub(info, "responseType", "AllClear")
    _sub(info, "urgency", "Past" if closed else cap["urgency"])
    _sub(info, "severity", "Minor" if closed else cap["severity"])
    _sub(info, "certainty", cap["certainty"])
    _pair(info, "eventCode", VALUE_PREFIX + "hazard", alert.hazard.value)
    _sub(info, "effective", cap_time(alert.sent))
    _sub(info, "onset", cap_time(alert.onset))
    if alert.expires is not None:
        _sub(info, "expires", cap_time(alert.expires))
    district = alert.district_zh if zh else alert.district_en
    _sub(info, "senderName", words["sender"].format(district=district))
    response = words["response"].format(level=cap["roman"] if zh else ROMAN_EN[alert.level],
                                        colour=cap["colour_zh" if zh else "colour_en"])
    headline = words[alert.kind.value if alert.kind.value in words else "declared"].format(
        district=district, hazard=hazard if zh else hazard.lower(), response=response)
    _sub(info, "headline", (words["exercise"] if alert.exercise else "") + headline)
    sep = "；" if zh else "; "
    _sub(info, "description", words["areas"] + sep.join(
        words["area"].format(name=a.name_zh if zh else a.name_en, affected=a.affected,
                             displaced=a.displaced) for a in alert.areas))
    _sub(info, "instruction", words["all_clear" if closed else "instruction"])
    if alert.web:
        _sub(info, "web", alert.web)
    _pair(info, "parameter", VALUE_PREFIX + "responseLevel", str(alert.level))
    _pair(info, "parameter", VALUE_PREFIX + "colour",
          cap["colour_zh" if zh else "colour_en"])
    for area in alert.areas:
        block = _sub(info, "area")
        _sub(block, "areaDesc", area.name_zh if zh else area.name_en)
        if area.lat is not None and area.lon is not None:
            _sub(block, "circle", f"{area.lat:.5f},{area.lon:.5f} "
                                  f"{AREA_RADIUS_KM[area.level]:g}")
        _pair(block, "geocode", VALUE_PREFIX + "area", area.code)


def to_xml(alert: AlertData) -> bytes:
    return etree.tostring(alert_element(alert), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)


# --- Schema and safe parsing -------------------------------------------------------------

@cache
def schema() -> etree.XMLSchema:
    """The official OASIS CAP 1.2 schema (interop/schemas/CAP-v1.2.xsd), loaded offline."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), _parser()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True)


def _reject(detail: str) -> ValidationFailed:
    return ValidationFailed(detail, field="alert")


def parse(raw: bytes) -> etree._Element:
    """Parse and schema-validate one CAP alert; refuse DOCTYPEs (entity declarations)."""
    if not raw.strip():
        raise _reject(_("The request has no CAP alert in it."))
    if len(raw) > MAX_ALERT_BYTES:
        raise _reject(_("The alert is larger than %(n)s bytes.", n=MAX_ALERT_BYTES))
    if re.search(rb"<!DOCTYPE|<!ENTITY", raw, re.IGNORECASE) or \
            re.search("<!DOCTYPE|<!ENTITY", _decoded(raw), re.IGNORECASE):
        raise _reject(_("XML with a DOCTYPE or entity declarations is not accepted."))
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise _reject(_("Malformed XML (line %(line)s): %(msg)s",
                        line=exc.lineno or "?", msg=exc.msg)) from None
    if root.getroottree().docinfo.doctype:
        raise _reject(_("XML with a DOCTYPE or entity declarations is not accepted."))
    check = schema()
    if not check.validate(root):
        error = check.error_log.last_error
        raise _reject(_("Not a valid CAP 1.2 alert (line %(line)s): %(msg)s",
                        line=error.line, msg=error.message))
    return root


def _decoded(raw: bytes) -> str:
    """The text in a wide encoding (UTF-16/32 would hide a DOCTYPE from a byte search)."""
    for codec in ("utf-16", "utf-32"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return ""


def validation_errors(xml: bytes) -> list[str]:
    """Schema errors of an exported alert (empty when valid); for tests and self-checks."""
    root = etree.fromstring(xml, _parser())
    check = schema()
    return [] if check.validate(root) else [f"line {e.line}: {e.message}"
                                            for e in check.error_log]


# --- Import ------------------------------------------------------------------------------

def _text(node: etree._Element, tag: str) -> str:
    found = node.find(f"{{{CAP_NS}}}{tag}")
    return (found.text or "").strip() if found is not None else ""


def _all(node: etree._Element, tag: str) -> list[etree._Element]:
    return node.findall(f"{{{CAP_NS}}}{tag}")


def _pairs(node: etree._Element, tag: str) -> list[tuple[str, str]]:
    return [(_text(p, "valueName"), _text(p, "value")) for p in _all(node, tag)]


def _when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ImportedAlert:
    reference: str
    title: str
    hazard: Hazard
    level: int
    exercise: bool
    area_codes: tuple[str, ...]
    duration_days: int
    notes: str


def read_alert(session: Session, raw: bytes, now: datetime) -> ImportedAlert:
    """What a draft incident takes from a CAP alert, or ValidationFailed naming why not."""
    root = parse(raw)
    status, msg_type = _text(root, "status"), _text(root, "msgType")
    if status not in ("Actual", "Exercise"):
        raise _reject(_("Alerts with status %(status)s are not imported (only Actual and "
                        "Exercise).", status=status))
    if msg_type not in ("Alert", "Update"):
        raise _reject(_("%(type)s messages are not imported (only Alert and Update).",
                        type=msg_type))
    infos = _all(root, "info")
    if not infos:
        raise _reject(_("The alert has no <info> block."))
    if any("AllClear" in [r.text for r in _all(i, "responseType")] for i in infos):
        raise _reject(_("An all-clear alert is not imported: it ends an event."))
    expiries = [_when(_text(i, "expires")) for i in infos]
    if all(e is not None and e <= now for e in expiries):
        raise _reject(_("Expired alert: it expired at %(at)s.", at=_text(infos[0], "expires")))
    info = next((i for i in infos if _text(i, "language").lower().startswith("zh")), infos[0])
    hazard = _hazard_of(infos, info)
    level = _level_of(info)
    codes = _areas_of(session, infos)
    sent = _when(_text(root, "sent"))
    start = _when(_text(info, "onset")) or _when(_text(info, "effective")) or sent
    expires = _when(_text(info, "expires"))
    days = max(1, math.ceil((expires - start).total_seconds() / 86400)) \
        if expires and start and expires > start else 3
    identifier, sender = _text(root, "identifier"), _text(root, "sender")
    reference = f"{sender},{identifier},{_text(root, 'sent')}"
    notes = _("Imported from CAP alert %(identifier)s (sender %(sender)s, sent %(sent)s).",
              identifier=identifier, sender=sender, sent=_text(root, "sent"))
    description = _text(info, "description")
    title = _text(info, "headline") or _text(info, "event")
    return ImportedAlert(reference=reference[:500], title=title[:200], hazard=hazard,
                         level=level, exercise=status == "Exercise", area_codes=codes,
                         duration_days=min(days, 365),
                         notes=f"{notes}\n{description}".strip())


def _hazard_of(infos: list[etree._Element], info: etree._Element) -> Hazard:
    for i in [info, *infos]:
        for name, value in _pairs(i, "eventCode"):
            if name == VALUE_PREFIX + "hazard" and value in {h.value for h in Hazard}:
                return Hazard(value)
    for i in [info, *infos]:
        for text in (_text(i, "event"), _text(i, "headline")):
            try:
                return Hazard.parse(text)  # type: ignore[return-value]
            except ValueError:
                pass
            lowered = text.lower()
            for hazard, words in HAZARD_WORDS:
                if any(w in lowered for w in words):
                    return hazard
    for i in [info, *infos]:
        for category in _all(i, "category"):
            if category.text in CATEGORY_HAZARD:
                return CATEGORY_HAZARD[category.text]
    raise _reject(_("No hazard matches the alert's event '%(event)s'.",
                    event=_text(info, "event")))


def _level_of(info: etree._Element) -> int:
    for name, value in _pairs(info, "parameter"):
        if name == VALUE_PREFIX + "responseLevel" and value in {"1", "2", "3", "4"}:
            return int(value)
    return SEVERITY_TO_LEVEL[_text(info, "severity")]


def _areas_of(session: Session, infos: list[etree._Element]) -> tuple[str, ...]:
    """Communities and grids named by the alert's areas (geocode = area code, or areaDesc =
    code or Chinese or English name), within the caller's scope; streets and districts stand
    for their communities."""
    keys: list[str] = []
    for info in infos:
        for area in _all(info, "area"):
            keys += [v for _n, v in _pairs(area, "geocode") if v]
            keys.append(_text(area, "areaDesc"))
    keys = [k for k in dict.fromkeys(keys) if k]
    if not keys:
        raise _reject(_("No area matches: the alert names no area."))
    lowered = [k.lower() for k in keys]
    found = session.scalars(select(Area).where(or_(
        Area.code.in_(keys), Area.name_zh.in_(keys),
        func.lower(Area.name_en).in_(lowered)))).all()
    who = actor()
    chosen: dict[str, Area] = {}
    for area in sorted(set(found), key=lambda a: a.code):
        if area.level in (AreaLevel.COMMUNITY, AreaLevel.GRID):
            members = [area]
        else:
            members = list(session.scalars(select(Area).where(
                Area.path.startswith(area.path), Area.level == AreaLevel.COMMUNITY)
                .order_by(Area.code)))
        chosen.update({m.code: m for m in members if who.covers(m.path)})
    # The overlap rule: an area named with one that holds it is covered by that one.
    inner = {a.code for a, _outer in incident_svc.nested(chosen.values())}
    codes = [c for c in chosen if c not in inner]
    if not codes:
        raise _reject(_("No area matches the alert's areas (%(areas)s) within your "
                        "responsibility.", areas=", ".join(keys[:5])))
    return tuple(codes)


def import_alert(session: Session, raw: bytes, now: datetime) -> str:
    """A draft incident from a CAP alert; returns its code. Writes nothing on any refusal."""
    require_writer("incidents")
    alert = read_alert(session, raw, now)
    # CAP identifiers are unique per sender: the same sender and identifier is the same alert.
    sender_and_id = alert.reference.rsplit(",", 1)[0] + ","
    earlier = session.scalar(select(Incident.code).join(IncidentEvent).where(
        IncidentEvent.kind == IncidentEventKind.IMPORTED,
        IncidentEvent.reference.startswith(sender_and_id, autoescape=True)))
    if earlier:
        raise Conflict(_("This alert was already imported as %(code)s.", code=earlier),
                       field="alert", incident=earlier)
    return incident_svc.declare(
        session, title=alert.title, hazard=alert.hazard.value, level=alert.level,
        areas=[incident_svc.AreaInput(c) for c in alert.area_codes],
        duration_days=alert.duration_days, exercise=alert.exercise, notes=alert.notes,
        draft=True, reference=alert.reference)
