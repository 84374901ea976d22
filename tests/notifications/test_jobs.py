"""The scheduled jobs called directly, as plain functions, on the small demo district."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update

from app.core import db
from app.models import Notification, Qualification, StockLot
from app.notifications.jobs import send_reminder
from app.resources.jobs import check_qualifications
from app.stock.jobs import check_stock

TODAY = date(2026, 11, 23)


def _count(app: Any, kind: str | None = None) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(Notification)
        if kind:
            stmt = stmt.where(Notification.kind == kind)
        return int(db.session().scalar(stmt) or 0)


def _one_lot_expiring_in(app: Any, days: int) -> int:
    """Move every lot's expiry far out, then one lot with stock to today + days."""
    with app.app_context():
        session = db.session()
        session.execute(update(StockLot).values(expiry_date=TODAY + timedelta(days=3650)))
        lot_id = session.scalar(select(StockLot.id).where(StockLot.on_hand > 0)
                                .order_by(StockLot.id).limit(1))
        session.execute(update(StockLot).where(StockLot.id == lot_id)
                        .values(expiry_date=TODAY + timedelta(days=days)))
        session.commit()
        return int(lot_id or 0)


def test_an_expiring_lot_yields_one_notification_even_when_the_job_runs_twice(
        app: Any, demo: Any, database_url: str) -> None:
    lot_id = _one_lot_expiring_in(app, 5)

    first = check_stock(TODAY, url=database_url)
    second = check_stock(TODAY, url=database_url)

    assert first and second == []
    assert _count(app, "stock_expiring") == 1
    with app.app_context():
        note = db.session().scalars(select(Notification)
                                    .where(Notification.kind == "stock_expiring")).one()
    assert note.dedup_key == f"stock_expiring:{lot_id}:7:{TODAY}"
    assert "7" in note.subject_en and note.area_id is not None and note.sent_at is None


def test_a_lot_expiring_within_30_days_is_reported_in_the_30_day_window(
        app: Any, demo: Any, database_url: str) -> None:
    lot_id = _one_lot_expiring_in(app, 20)
    check_stock(TODAY, url=database_url)
    with app.app_context():
        keys = db.session().scalars(select(Notification.dedup_key)
                                    .where(Notification.kind == "stock_expiring")).all()
    assert keys == [f"stock_expiring:{lot_id}:30:{TODAY}"]


def test_expired_lots_with_stock_are_reported(app: Any, demo: Any, database_url: str) -> None:
    _one_lot_expiring_in(app, -1)
    check_stock(TODAY, url=database_url)
    assert _count(app, "stock_expired") == 1


def test_depots_below_minimum_are_found(app: Any, demo: Any, database_url: str) -> None:
    with app.app_context():  # empty every lot: each depot with a minimum falls below it
        db.session().execute(update(StockLot).values(reserved=0))
        db.session().execute(update(StockLot).values(on_hand=0))
        db.session().commit()
    check_stock(TODAY, url=database_url)
    found = _count(app, "stock_below_minimum")
    assert found > 0
    check_stock(TODAY, url=database_url)
    assert _count(app, "stock_below_minimum") == found


def test_qualifications_expiring_or_expired_are_found(
        app: Any, demo: Any, database_url: str) -> None:
    with app.app_context():
        session = db.session()
        session.execute(update(Qualification).values(expires_on=TODAY + timedelta(days=900)))
        first, second = session.scalars(select(Qualification.id).order_by(Qualification.id)
                                        .limit(2)).all()
        session.execute(update(Qualification).where(Qualification.id == first)
                        .values(expires_on=TODAY + timedelta(days=45)))
        session.execute(update(Qualification).where(Qualification.id == second)
                        .values(expires_on=TODAY - timedelta(days=3)))
        session.commit()

    check_qualifications(TODAY, url=database_url)
    check_qualifications(TODAY, url=database_url)

    assert _count(app, "qualification_expiring") == 1
    assert _count(app, "qualification_expired") == 1


def test_a_reminder_is_written_once_per_key(app: Any, database_url: str) -> None:
    assert len(send_reminder("drill-42", "演练提醒", url=database_url)) == 1
    assert send_reminder("drill-42", "演练提醒", url=database_url) == []
    assert _count(app, "reminder") == 1


def test_email_goes_out_only_when_smtp_is_configured(
        app: Any, database_url: str, monkeypatch: Any) -> None:
    sent: list[Any] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: int) -> None:
            self.host = host

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: Any) -> None:
            return None

        def send_message(self, msg: Any) -> None:
            sent.append(msg)

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    send_reminder("a", "first", url=database_url)
    assert sent == []
    monkeypatch.setenv("READYGRID_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("READYGRID_NOTIFY_EMAIL", "duty@example.org")
    send_reminder("b", "second", url=database_url)
    assert [m["Subject"] for m in sent] == ["first", "second"]
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Notification)
                                   .where(Notification.sent_at.is_(None))) == 0
