"""The incident log (ICS-214-like): every step of a response, with who and when, in one language.

Entries come from the incident's own records (events, plans, reserve releases, checklist
ticks, situation reports), from the audit trail (areas changed, dispatch orders closed or moved
on, receipts — read generically by table name, so new statuses show without code changes) and
from the outbox (who was told what). A handful of queries, never one per entry; bursts of the
same step by the same person in the same minute (a bulk delivery) collapse into one entry whose
details list the orders.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import has_app_context
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core.i18n import _
from app.core.models import AuditEntry
from app.incidents import services as incidents
from app.incidents import sitreps
from app.incidents.enums import DispatchStatus, IncidentEventKind
from app.incidents.models import (
    AllocationPlan,
    Dispatch,
    Incident,
    IncidentEvent,
    IncidentTask,
    ReserveRelease,
)
from app.notifications.models import Notification
from app.stock.models import Depot

KINDS = ("incident", "plan", "reserve", "checklist", "dispatch", "receipt", "notice", "sitrep")
ROMAN = "ⅠⅡⅢⅣ"


@dataclass
class Entry:
    """One line of the log: plain data for pages, CSV, PDF and JSON."""

    at: datetime
    who: str
    kind: str
    text: str
    ref: str = ""
    details: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "who": self.who, "kind": self.kind,
                "text": self.text, "ref": self.ref, "details": self.details,
                "report": _plain_report(self.report)}


def _plain_report(report: dict[str, Any] | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {**report, "at": report["at"].isoformat()}


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Write the log's words in the log's language, not the request's."""
    if not has_app_context():
        yield
        return
    from flask_babel import force_locale
    with force_locale(lang):
        yield


def kind_labels() -> dict[str, str]:
    """The kinds of entry, in the current language."""
    return {"incident": _("Incident"), "plan": _("Allocation plans"), "reserve": _("Reserves"),
            "checklist": _("Checklist"), "dispatch": _("Dispatch orders"),
            "receipt": _("Receipts"), "notice": _("Notifications"),
            "sitrep": _("Situation reports")}


def incident_log(session: Session, code: str, lang: str = "zh",
                 kinds: Iterable[str] | None = None) -> list[Entry]:
    """The incident's log, oldest first, in `lang` (zh or en), optionally of some kinds only."""
    lang = "zh" if lang.startswith("zh") else "en"
    incident = incidents.load(session, code)
    wanted = set(kinds or KINDS)
    entries: list[Entry] = []
    with in_language(lang):
        orders = _orders(session, incident.id)
        for kind, make in _SOURCES:
            if kind in wanted:
                entries += make(session, incident, lang, orders)
    entries.sort(key=lambda e: (e.at, KINDS.index(e.kind)))
    return entries


def _events(session: Session, incident: Incident, lang: str, _o: Any) -> list[Entry]:
    out, previous = [], None
    for ev in session.scalars(select(IncidentEvent).where(
            IncidentEvent.incident_id == incident.id).order_by(IncidentEvent.number)):
        level = ROMAN[ev.level - 1]
        if ev.kind is IncidentEventKind.LEVEL_CHANGED and previous is not None:
            text = _("Level changed from %(old)s to %(new)s", old=ROMAN[previous - 1], new=level)
        elif ev.kind is IncidentEventKind.CLOSED:
            text = _("Response closed")
        elif ev.kind is IncidentEventKind.IMPORTED:
            text = _("Imported from a CAP alert as a draft, level %(level)s", level=level)
        else:
            text = _("Declared at level %(level)s", level=level)
        out.append(Entry(ev.at, ev.by, "incident", text, ev.reference))
        previous = ev.level
    return out + _areas_changed(session, incident)


def _areas_changed(session: Session, incident: Incident) -> list[Entry]:
    """Changes of the affected areas (services.set_areas writes one audit row for each)."""
    out = []
    for r in session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "incidents", AuditEntry.entity_id == incident.code,
            AuditEntry.action == "update").order_by(AuditEntry.id)):
        now, was = (r.after or {}).get("areas"), (r.after or {}).get("was")
        if now is None or was is None:
            continue
        lines = [f"+ {c}" for c in now if c not in was] + [f"− {c}" for c in was
                                                          if c not in now]
        out.append(Entry(r.at, r.actor, "incident", _(
            "Affected areas changed: %(n)s areas", n=len(now)), "", lines))
    return out


def _plans(session: Session, incident: Incident, lang: str, orders: dict[str, Any]
           ) -> list[Entry]:
    counts = dict(session.execute(select(Dispatch.plan_id, func.count()).where(
        Dispatch.incident_id == incident.id).group_by(Dispatch.plan_id)).all())
    out = []
    for p in session.execute(select(
            AllocationPlan.id, AllocationPlan.number, AllocationPlan.created_at,
            AllocationPlan.created_by, AllocationPlan.confirmed_at, AllocationPlan.confirmed_by,
            AllocationPlan.summary).where(AllocationPlan.incident_id == incident.id)):
        ref = f"P{p.number}"
        out.append(Entry(p.created_at, p.created_by, "plan", _(
            "Plan %(n)s made: %(headline)s", n=p.number, headline=_headline(p.summary or {})),
            ref))
        if p.confirmed_at is not None:
            out.append(Entry(p.confirmed_at, p.confirmed_by, "plan", _(
                "Plan %(n)s confirmed: %(orders)s dispatch orders opened", n=p.number,
                orders=counts.get(p.id, 0)), ref))
    return out


def _headline(summary: dict[str, Any]) -> str:
    """The plan's figures in one line: worst priority coverage, evacuees placed, teams."""
    sup, sh = summary.get("supplies", {}), summary.get("shelters", {})
    return _("priority needs covered at least %(pct)s%%, %(placed)s of %(evacuees)s evacuees "
             "placed, %(teams)s teams assigned",
             pct=round(100 * float(sup.get("worst_priority_coverage", 1) or 0)),
             placed=sh.get("placed", 0), evacuees=sh.get("evacuees", 0),
             teams=summary.get("teams", {}).get("assigned", 0))


def _releases(session: Session, incident: Incident, lang: str, _o: Any) -> list[Entry]:
    out = []
    for rel, depot in session.execute(select(ReserveRelease, Depot.code).outerjoin(
            Depot, Depot.id == ReserveRelease.depot_id).where(
            ReserveRelease.incident_id == incident.id)):
        text = (_("Protected reserve of %(depot)s released", depot=depot) if depot
                else _("Protected reserves of every depot released"))
        out.append(Entry(rel.released_at, rel.released_by, "reserve", text, depot or "",
                         [rel.reason] if rel.reason else []))
    return out


def _ticks(session: Session, incident: Incident, lang: str, _o: Any) -> list[Entry]:
    return [Entry(t.done_at, t.done_by, "checklist", _(
        "Checklist done: %(action)s", action=(t.text_en if lang == "en" and t.text_en
                                              else t.text_zh)))
            for t in session.scalars(select(IncidentTask).where(
                IncidentTask.incident_id == incident.id, IncidentTask.done_at.is_not(None)))
            if t.done_at is not None]


def _orders(session: Session, incident_id: int) -> dict[str, str]:
    """Every dispatch order of the incident, by its code and by its id (as text)."""
    out: dict[str, str] = {}
    for ident, code in session.execute(select(Dispatch.id, Dispatch.code).where(
            Dispatch.incident_id == incident_id)):
        out[str(ident)] = out[code] = code
    return out


def _status_label(status: str, lang: str) -> str:
    try:
        return DispatchStatus(status).label(lang)
    except ValueError:  # a status added later reads as its code
        return status


def _dispatches(session: Session, incident: Incident, lang: str, orders: dict[str, str]
                ) -> list[Entry]:
    ids = select(cast(Dispatch.id, String)).where(Dispatch.incident_id == incident.id)
    codes = select(Dispatch.code).where(Dispatch.incident_id == incident.id)
    rows = session.execute(select(AuditEntry.at, AuditEntry.actor, AuditEntry.entity_id,
                                  AuditEntry.after).where(
        AuditEntry.entity == "dispatches", AuditEntry.action == "update",
        or_(AuditEntry.entity_id.in_(ids), AuditEntry.entity_id.in_(codes)))
        .order_by(AuditEntry.at, AuditEntry.id))
    steps = [(at, who, str((after or {})["status"]), orders.get(ident, ident))
             for at, who, ident, after in rows if (after or {}).get("status")]
    return _collapsed("dispatch", steps, lambda status, n, order: (
        _("Order %(order)s: %(status)s", order=order, status=_status_label(status, lang))
        if n == 1 else _("%(n)s orders: %(status)s", n=n, status=_status_label(status, lang))))


def _receipts(session: Session, incident: Incident, lang: str, orders: dict[str, str]
              ) -> list[Entry]:
    """Receipts (table dispatch_receipts, read from the audit trail by name only)."""
    if not orders:
        return []
    rows = session.execute(select(AuditEntry.at, AuditEntry.actor, AuditEntry.after).where(
        AuditEntry.entity == "dispatch_receipts", AuditEntry.action == "create",
        AuditEntry.at >= incident.created_at).order_by(AuditEntry.at, AuditEntry.id))
    steps = []
    differing = []
    for at, who, after in rows:
        order = _order_named(after or {}, orders)
        if order and (after or {}).get("differs"):
            differing.append(_differing(at, who, order, after))
        elif order:
            steps.append((at, who, "receipt", order))
    return differing + _collapsed("receipt", steps, lambda _s, n, order: (
        _("Receipt recorded for %(order)s", order=order) if n == 1
        else _("Receipts recorded for %(n)s orders", n=n)))


def _differing(at: datetime, who: str, order: str, after: dict[str, Any]) -> Entry:
    """A receipt that counted other than was sent: its own line, the units short, why, and
    each item's sent and received."""
    lines = [ln for ln in after.get("lines") or [] if ln.get("sent") != ln.get("received")]
    short = sum(int(ln.get("sent", 0)) - int(ln.get("received", 0)) for ln in lines)
    return Entry(at, who, "receipt", _(
        "Receipt recorded for %(order)s: %(n)s units fewer than sent (%(why)s)", order=order,
        n=short, why=after.get("reason", "")), order,
        [_("%(item)s: %(sent)s sent, %(received)s received", item=ln.get("item", ""),
           sent=ln.get("sent"), received=ln.get("received")) for ln in lines])


def _order_named(data: dict[str, Any], orders: dict[str, str]) -> str | None:
    """The order of this incident a receipt names (by dispatch_id, or by its code)."""
    for key in ("dispatch_id", "dispatch", "dispatch_code", "code"):
        value = data.get(key)
        if value is not None and str(value) in orders:
            return orders[str(value)]
    return None


def _collapsed(kind: str, steps: list[tuple[datetime, str, str, str]], say: Any) -> list[Entry]:
    """One entry per (minute, person, status): a bulk action reads as one line."""
    groups: dict[tuple[datetime, str, str], list[tuple[datetime, str]]] = {}
    for at, who, status, ref in steps:
        key = (at.replace(second=0, microsecond=0), who, status)
        groups.setdefault(key, []).append((at, ref))
    out = []
    for (_minute, who, status), items in groups.items():
        refs = [ref for _at, ref in items]
        out.append(Entry(items[0][0], who, kind, say(status, len(refs), refs[0]),
                         refs[0] if len(refs) == 1 else "", refs if len(refs) > 1 else []))
    return out


def notice_prefixes(code: str) -> list[str]:
    """The outbox's dedup keys about an incident start with these (app/incidents/notices)."""
    return [f"{p}:{code}:" for p in ("incident", "callout", "orders", "arrivals", "shelter")] + [
        f"cancelled:{code}-"]


def _notices(session: Session, incident: Incident, lang: str, _o: Any) -> list[Entry]:
    rows = session.execute(select(Notification.created_at, Notification.kind, Area.code,
                                  Notification.subject_zh, Notification.subject_en).outerjoin(
        Area, Area.id == Notification.area_id).where(or_(*[
            Notification.dedup_key.startswith(p, autoescape=True)
            for p in notice_prefixes(incident.code)])).order_by(Notification.id))
    groups: dict[tuple[datetime, str], tuple[datetime, list[str]]] = {}
    for at, kind, area, zh, en in rows:
        subject = en if lang == "en" and en else zh
        groups.setdefault((at.replace(second=0, microsecond=0), kind), (at, []))[1].append(
            f"{area or '—'}: {subject}")
    return [Entry(first, _("system"), "notice", _("Notified %(n)s: %(what)s", n=len(lines),
                                                what=_notice_kind(kind)), kind, lines)
            for (_minute, kind), (first, lines) in groups.items()]


def _notice_kind(kind: str) -> str:
    return {"incident_declared": _("response declared"),
            "incident_level_changed": _("level changed"), "incident_closed": _("response ended"),
            "team_called": _("teams called out"), "depot_orders": _("depots: orders to load"),
            "expected_arrivals": _("areas: supplies on their way"),
            "shelter_arrivals": _("shelters: evacuees expected"),
            "dispatch_cancelled": _("order cancelled")}.get(kind, kind)


def _reports(session: Session, incident: Incident, lang: str, _o: Any) -> list[Entry]:
    return [Entry(r["at"], r["by"], "sitrep", r["text"], str(r["id"]), _counts(r["counts"], lang),
                  r) for r in sitreps.reports(session, incident.id)]


def count_labels() -> dict[str, str]:
    """The counts of a situation report, in the current language."""
    return {"affected": _("Affected"), "evacuated": _("Evacuated"), "injured": _("Injured"),
            "missing": _("Missing persons"), "dead": _("Dead")}


def _counts(counts: dict[str, int], lang: str) -> list[str]:
    labels, colon = count_labels(), "：" if lang == "zh" else ": "
    return [f"{labels[k]}{colon}{v:,}" for k, v in counts.items()]


_SOURCES = (("incident", _events), ("plan", _plans), ("reserve", _releases),
            ("checklist", _ticks), ("dispatch", _dispatches), ("receipt", _receipts),
            ("notice", _notices), ("sitrep", _reports))
