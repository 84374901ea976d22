"""The drill record page (after-action report): attendance, timeline, ratings, findings."""
from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core import db
from app.core.errors import DomainError
from app.drills import records as drill_records
from app.drills import services as drill_svc
from app.drills.enums import (
    DrillStatus,
    Rating,
)
from app.drills.forms import (
    RecordForm,
)
from app.drills.models import Drill
from app.drills.pages import (
    BLANK_EVENTS,
    BLANK_MEASURES,
    BLANK_RATINGS,
    SERVICE_ROWS,
    TIME_RE,
    _active_members,
    _local,
    _mmss,
    _teams,
    bp,
)
from app.web import locale
from app.web.common import require


def _record_rows(drill: Drill) -> dict[str, list[dict[str, Any]]]:
    """The rows the record form shows: what was recorded, else sensible defaults."""
    lang = locale()
    record = drill.record
    attendance: list[dict[str, Any]] = []
    seen = set()
    if record is not None:
        for a in record.attendance:
            if a.member_id is None:
                attendance.append({"team": a.team.code, "name": a.team.name(lang),
                                   "expected": a.expected, "present": a.present})
                seen.add(a.team.code)
    for team in drill.teams:
        if team.code not in seen:
            attendance.append({"team": team.code, "name": team.name(lang),
                               "expected": _active_members(team), "present": ""})
    events = [{"time": _local(e.at).strftime("%H:%M"), "text": e.text}
              for e in (record.events if record else [])]
    if not events:
        events = [{"time": _local(drill.starts_at).strftime("%H:%M"), "text": ""}]
    events += [{"time": "", "text": ""} for _i in range(BLANK_EVENTS)]
    measures = [{"name": m.name, "target": _mmss(m.target_seconds),
                 "actual": _mmss(m.actual_seconds)} for m in (record.measures if record else [])]
    if not measures:
        measures = [{"name": t["name_zh"] if lang == "zh" else t.get("name_en") or t["name_zh"],
                     "target": _mmss(int(t["seconds"])), "actual": ""}
                    for t in drill_svc.settings().get("target", [])]
    measures += [{"name": "", "target": "", "actual": ""} for _i in range(BLANK_MEASURES)]
    ratings = [{"capability": r.capability, "rating": r.rating.value, "note": r.note}
               for r in (record.ratings if record else [])]
    if not ratings:
        ratings = [{"capability": o, "rating": "", "note": ""} for o in drill.objectives]
    ratings += [{"capability": "", "rating": "", "note": ""} for _i in range(BLANK_RATINGS)]
    return {"attendance": attendance, "events": events, "measures": measures,
            "ratings": ratings}


def _typed_rows() -> dict[str, list[dict[str, Any]]]:
    """The rows as posted (kept on the page when something is wrong)."""
    def rows(prefix: str, keys: tuple[str, ...]) -> list[dict[str, Any]]:
        out = []
        i = 0
        while f"{prefix}-{i}-{keys[0]}" in request.form and i < 200:
            out.append({k: request.form.get(f"{prefix}-{i}-{k}", "").strip() for k in keys})
            i += 1
        return out
    return {"attendance": rows("att", ("team", "name", "expected", "present")),
            "events": rows("ev", ("time", "text")),
            "measures": rows("ms", ("name", "target", "actual")),
            "ratings": rows("rt", ("capability", "rating", "note"))}


def _target_sources() -> dict[str, str]:
    out = {}
    for t in drill_svc.settings().get("target", []):
        for key in ("name_zh", "name_en"):
            if t.get(key):
                out[t[key]] = t.get("source", "")
    return out


def _record_data(drill: Drill, typed: dict[str, list[dict[str, Any]]],
                 errors: dict[str, str]) -> tuple[dict[str, Any], dict[str, dict[int, int]]]:
    """The service's input from the typed rows; row errors go to `errors` by input name.
    Also returns, per list, which form row each service row came from."""
    day = _local(drill.starts_at).date()
    data: dict[str, Any] = {"attendance": [], "events": [], "measures": [], "ratings": []}
    origin: dict[str, dict[int, int]] = {k: {} for k in data}

    def count(raw: str, name: str) -> int | None:
        if raw == "":
            return 0
        if raw.isdigit():
            return int(raw)
        errors[name] = _("A head count is a whole number, 0 or more.")
        return None

    for i, row in enumerate(typed["attendance"]):
        if row["present"] == "" and not row["team"]:
            continue
        if row["present"] == "":  # a team not counted yet: not recorded
            continue
        expected, present = count(row["expected"], f"att-{i}-expected"), \
            count(row["present"], f"att-{i}-present")
        origin["attendance"][len(data["attendance"])] = i
        data["attendance"].append({"team": row["team"], "expected": expected or 0,
                                   "present": present or 0})
    for i, row in enumerate(typed["events"]):
        if not row["text"]:
            continue  # a time alone (the start is offered) says nothing
        match = TIME_RE.match(row["time"])
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            errors[f"ev-{i}-time"] = _("Give the time as HH:MM, e.g. 09:35.")
            continue
        at = datetime.combine(day, time(int(match.group(1)), int(match.group(2))))
        origin["events"][len(data["events"])] = i
        data["events"].append({"at": at, "text": row["text"]})
    defaults = _target_sources()
    for i, row in enumerate(typed["measures"]):
        if not row["actual"] and (not row["name"] or row["name"] in defaults):
            continue  # an offered target not measured this time
        if not row["actual"]:
            errors[f"ms-{i}-actual"] = _("Type the time measured, e.g. 4:10.")
            continue
        origin["measures"][len(data["measures"])] = i
        data["measures"].append({"name": row["name"], "target_seconds": row["target"],
                                 "actual_seconds": row["actual"],
                                 "source": defaults.get(row["name"], "")})
    for i, row in enumerate(typed["ratings"]):
        if not row["capability"] and not row["rating"]:
            continue
        if not row["rating"]:
            continue  # an objective offered but not rated
        origin["ratings"][len(data["ratings"])] = i
        data["ratings"].append({"capability": row["capability"], "rating": row["rating"],
                                "note": row["note"]})
    return data, origin


@bp.route("/drills/<code>/record", methods=["GET", "POST"])
def record(code: str) -> str | Response | tuple[str, int]:
    require("drills")
    session = db.session()
    found = drill_svc.load(session, code)
    rec = found.record
    if request.method == "GET":
        form = RecordForm(summary=rec.summary if rec else "",
                          strengths="\n".join(rec.strengths) if rec else "",
                          improvements="\n".join(rec.improvements) if rec else "",
                          complete=found.status is DrillStatus.DONE or (
                              found.starts_at <= datetime.now(found.starts_at.tzinfo)),
                          **(rec.evaluation if rec else {}))
        return _record_page(found, form, _record_rows(found), {})
    form = RecordForm()
    typed = _typed_rows()
    errors: dict[str, str] = {}
    data, origin = _record_data(found, typed, errors)
    if form.validate() and not errors:
        data.update(summary=form.summary.data or "",
                    strengths=(form.strengths.data or "").splitlines(),
                    improvements=(form.improvements.data or "").splitlines(),
                    evaluation={a: getattr(form, a).data or "" for a in drill_records.ASPECTS
                                if hasattr(form, a)},
                    complete=bool(form.complete.data))
        try:
            drill_records.save(session, code, data)
        except DomainError as exc:
            _record_error(form, exc, origin, errors)
        else:
            done = drill_svc.load(session, code).status is DrillStatus.DONE
            flash(_("The record of %(code)s is saved and the drill is done.", code=code)
                  if done else _("The record of %(code)s is saved.", code=code), "ok")
            return redirect(url_for(".drill", code=code))
    return _record_page(found, form, typed, errors), 422


def _record_error(form: RecordForm, exc: DomainError, origin: dict[str, dict[int, int]],
                  errors: dict[str, str]) -> None:
    parts = (exc.field or "").split(".")
    if parts[0] in SERVICE_ROWS and len(parts) == 3 and parts[1].isdigit():
        prefix, cols = SERVICE_ROWS[parts[0]]
        row = origin[parts[0]].get(int(parts[1]), int(parts[1]))
        errors[f"{prefix}-{row}-{cols.get(parts[2], parts[2])}"] = exc.detail
        return
    if parts[0] == "evaluation" and len(parts) == 2 and hasattr(form, parts[1]):
        getattr(form, parts[1]).errors = [exc.detail]
        return
    field = getattr(form, parts[0], None) if parts[0] else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors or []), exc.detail]
    else:
        form.form_errors.append(exc.detail)


def _record_page(drill: Drill, form: RecordForm, rows: dict[str, list[dict[str, Any]]],
                 errors: dict[str, str]) -> str:
    listed = []  # every row error, numbered, at the top of the form too
    labels = {"att": _("Attendance"), "ev": _("Timeline"), "ms": _("Measured times"),
              "rt": _("Capability ratings")}
    for name, message in errors.items():
        prefix, row, _col = name.split("-", 2)
        listed.append(_("%(table)s, row %(n)s: %(error)s", table=labels[prefix],
                        n=int(row) + 1, error=message))
    lang = locale()
    return render_template(
        "drills/record.html", drill=drill, form=form, rows=rows, errors=errors, listed=listed,
        ratings=[(r.value, r.label(lang)) for r in Rating],
        teams=[(t.code, f"{t.name(lang)} {t.code}") for t in _teams()],
        aspects=[getattr(form, a) for a in drill_records.ASPECTS if hasattr(form, a)],
        local=_local)
