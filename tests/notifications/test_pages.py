"""The notifications page without a browser: each role sees its areas' notifications, in its
language; marking read (one, all) needs the CSRF token; the unread badge follows."""
from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.contingency.jobs import check_plans
from app.core import db
from app.core.clock import district_today
from app.drills.jobs import check_actions, check_drills
from app.models import Area, Notification
from app.notifications.services import Draft, record
from app.stock.jobs import check_stock
from tests.helpers import csrf_token, sign_in

# One notification per place in the tree; subjects "zhsubj-<where>" / "ensubj-<where>".
PLACES = ["D01", "S01", "S02", "S01-C01", "S01-C02", "S01-C01-G01", "S02-C01-G02", None]
SEES = {
    "admin": set(PLACES),
    "coordinator": set(PLACES),
    "official": {"S01", "S01-C01", "S01-C02", "S01-C01-G01"},
    "staff": {"S01-C01", "S01-C01-G01"},
}
KIND_OF = {"D01": "plan_review", "S01": "compliance_overdue", "S02": "compliance_due_soon",
           "S01-C01": "drill_reminder", "S01-C02": "drill_overdue",
           "S01-C01-G01": "action_overdue", "S02-C01-G02": "stock_expiring", None: "reminder"}


def _name(where: str | None) -> str:
    return where or "district-wide"


@pytest.fixture
def notes(app: Any, demo: Any) -> dict[str | None, int]:
    """The demo with exactly the notifications of PLACES, all unread; returns their ids."""
    with app.app_context():
        session = db.session()
        session.execute(delete(Notification))
        ids = {a.code: a.id for a in session.scalars(select(Area))}
        drafts = [Draft(KIND_OF[w], ids[w] if w else None, f"zhsubj-{_name(w)}",
                        f"ensubj-{_name(w)}", f"body of {_name(w)}", f"test:{_name(w)}")
                  for w in PLACES]
        new = record(session, drafts)
        session.commit()
    return dict(zip(PLACES, new, strict=True))


def signed_in(app: Any, user: str) -> Any:
    client = app.test_client()
    sign_in(client, user)
    return client


def shown(html: str, lang: str = "zh") -> set[str | None]:
    names = set(re.findall(rf"{lang}subj-([A-Za-z0-9-]+)", html))
    return {None if n == "district-wide" else n for n in names}


def badge(html: str) -> int:
    match = re.search(r'class="badge">(\d+)<', html)
    return int(match.group(1)) if match else 0


def _read_at(app: Any, note_id: int) -> Any:
    with app.app_context():
        return db.session().get(Notification, note_id).read_at  # type: ignore[union-attr]


@pytest.mark.parametrize("user", sorted(SEES))
def test_each_role_sees_only_the_notifications_of_its_areas(app: Any, notes: Any,
                                                             user: str) -> None:
    client = signed_in(app, user)
    resp = client.get("/notifications")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert shown(html) == SEES[user]
    assert shown(html, "en") == set()  # the demo users read Chinese
    assert badge(html) == len(SEES[user])
    assert html.count("<strong>zhsubj-") == len(SEES[user])  # unread ones are bold
    # the badge is on every page, not only this one
    assert badge(client.get("/").get_data(as_text=True)) == len(SEES[user])


def test_subjects_follow_the_chosen_language(app: Any, notes: Any) -> None:
    client = signed_in(app, "staff")
    client.get("/lang/en?next=/notifications")
    html = client.get("/notifications").get_data(as_text=True)
    assert shown(html, "en") == SEES["staff"] and shown(html, "zh") == set()
    assert "Drill reminder" in html and "Corrective action" in html  # kind labels
    assert "Mark all as read" in html


def test_marking_one_read_unbolds_it_and_lowers_the_badge(app: Any, notes: Any) -> None:
    client = signed_in(app, "official")
    page = client.get("/notifications").get_data(as_text=True)
    resp = client.post(f"/notifications/{notes['S01-C01']}/read",
                       data={"csrf_token": csrf_token(page), "show": "unread", "kind": "bogus"})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/notifications?show=unread")
    assert _read_at(app, notes["S01-C01"]) is not None

    html = client.get("/notifications").get_data(as_text=True)
    assert badge(html) == len(SEES["official"]) - 1
    assert "<strong>zhsubj-S01-C01<" not in html and "zhsubj-S01-C01" in html
    unread = client.get("/notifications?show=unread").get_data(as_text=True)
    assert shown(unread) == SEES["official"] - {"S01-C01"}


def test_nobody_marks_read_what_they_cannot_see(app: Any, notes: Any) -> None:
    client = signed_in(app, "staff")
    token = csrf_token(client.get("/notifications").get_data(as_text=True))
    for where in ("S02", "S01", None):
        resp = client.post(f"/notifications/{notes[where]}/read", data={"csrf_token": token})
        assert resp.status_code == 302
        assert _read_at(app, notes[where]) is None
    assert client.post("/notifications/999999/read",
                       data={"csrf_token": token}).status_code == 302


def test_mark_all_read_marks_only_the_users_own(app: Any, notes: Any) -> None:
    client = signed_in(app, "staff")
    token = csrf_token(client.get("/notifications").get_data(as_text=True))
    resp = client.post("/notifications/read-all", data={"csrf_token": token},
                       follow_redirects=True)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert badge(html) == 0 and "<strong>zhsubj-" not in html
    assert all(_read_at(app, notes[w]) is not None for w in SEES["staff"])
    assert all(_read_at(app, notes[w]) is None for w in set(PLACES) - SEES["staff"])
    coordinator = signed_in(app, "coordinator").get("/notifications").get_data(as_text=True)
    assert badge(coordinator) == len(PLACES) - len(SEES["staff"])


def test_marking_read_needs_the_csrf_token(app: Any, notes: Any) -> None:
    client = signed_in(app, "coordinator")
    assert client.post(f"/notifications/{notes['D01']}/read").status_code == 400
    assert client.post("/notifications/read-all", data={"csrf_token": "forged"}
                       ).status_code == 400
    assert client.get(f"/notifications/{notes['D01']}/read").status_code == 405
    assert all(_read_at(app, i) is None for i in notes.values())


def test_filter_by_kind_and_unread(app: Any, notes: Any) -> None:
    client = signed_in(app, "coordinator")
    assert shown(client.get("/notifications?kind=compliance").get_data(as_text=True)) == {
        "S01", "S02"}
    assert shown(client.get("/notifications?kind=drill_reminder").get_data(as_text=True)) == {
        "S01-C01", None}  # one-off reminders are listed with the drill reminders
    assert shown(client.get("/notifications?kind=stock&show=unread").get_data(
        as_text=True)) == {"S02-C01-G02"}


@pytest.mark.parametrize("query", ["?kind=bogus", "?show=bogus", "?page=abc", "?page=999",
                                   "?page=-3&show=unread&kind=plan"])
def test_odd_query_strings_never_fail(app: Any, notes: Any, query: str) -> None:
    client = signed_in(app, "staff")
    resp = client.get(f"/notifications{query}")
    assert resp.status_code == 200


def test_signed_out_the_page_redirects_to_sign_in(client: Any, demo: Any) -> None:
    resp = client.get("/notifications")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert client.post("/notifications/read-all").status_code in (302, 400)
    login = client.get("/login")
    assert login.status_code == 200 and 'class="badge"' not in login.get_data(as_text=True)


@pytest.mark.parametrize("user", sorted(SEES))
def test_the_jobs_notifications_on_the_demo_show_for_every_role(app: Any, demo: Any,
                                                                 database_url: str,
                                                                 user: str) -> None:
    today = district_today()
    check_drills(today, url=database_url)
    check_actions(today, url=database_url)
    check_plans(today, url=database_url)
    check_stock(today, url=database_url)
    client = signed_in(app, user)
    for lang in ("zh", "en"):
        client.get(f"/lang/{lang}?next=/notifications")
        for query in ("", "?show=unread", "?kind=compliance", "?kind=action", "?page=2"):
            assert client.get(f"/notifications{query}").status_code == 200
