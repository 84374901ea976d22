"""Plan versions: draft → submitted (frozen) → approved (stored, hashed) → superseded."""
from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.services import principal_of
from app.contingency import services as plans
from app.contingency.enums import Edition, VersionStatus
from app.core.actor import reset_actor, set_actor
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.models import User

PLAN = "P-S01-C01"


def act_as(ctx: Any, username: str) -> Any:
    user = ctx.scalar(select(User).where(User.username == username))
    return set_actor(principal_of(user))


def submitted(ctx: Any) -> int:
    number = plans.new_draft(ctx, PLAN, "年度修订").number
    plans.submit(ctx, PLAN, number)
    return number


def test_working_days_skip_weekends() -> None:
    # Friday 2026-11-27 + 20 working days = Friday 2026-12-25
    assert plans.working_days_after(date(2026, 11, 27), 20) == date(2026, 12, 25)
    assert plans.working_days_after(date(2026, 11, 28), 1) == date(2026, 11, 30)


def test_one_open_version_at_a_time(ctx: Any, demo: Any) -> None:
    plans.new_draft(ctx, PLAN)
    with pytest.raises(Conflict):
        plans.new_draft(ctx, PLAN)


def test_submitting_freezes_the_data_with_its_hash(ctx: Any, demo: Any) -> None:
    number = submitted(ctx)
    found = plans.version(ctx, PLAN, number)
    assert found.status is VersionStatus.SUBMITTED and found.snapshot
    assert found.snapshot_sha256 == hashlib.sha256(plans.canonical_json(found.snapshot)
                                                   ).hexdigest()
    with pytest.raises(Conflict):
        plans.submit(ctx, PLAN, number)


def test_approval_is_by_someone_responsible_for_the_parent_area(ctx: Any, demo: Any) -> None:
    token = act_as(ctx, "staff")
    try:
        number = submitted(ctx)
        with pytest.raises(Forbidden):  # staff draft and submit, but do not approve
            plans.approve(ctx, PLAN, number)
    finally:
        reset_actor(token)
    token = act_as(ctx, "official")  # the official of street S01, the community's parent
    try:
        approved = plans.approve(ctx, PLAN, number, "同意")
        assert approved.status is VersionStatus.APPROVED and approved.issued_on
        assert approved.filing_due == plans.working_days_after(approved.issued_on, 20)
        assert plans.missing_documents(approved) == list(plans.DOCUMENT_KINDS)  # not yet
        for lang, edition in plans.missing_documents(approved):
            plans.store_document(ctx, approved, lang, edition)
        kinds = {(d.lang, d.edition) for d in approved.documents}
        assert kinds == {(lang, e) for lang in ("zh", "en") for e in Edition}
        for doc in approved.documents:
            assert doc.pdf.startswith(b"%PDF") and doc.sha256 == hashlib.sha256(
                doc.pdf).hexdigest()
        plans.record_filing(ctx, PLAN, number, approved.filing_due)
        assert not plans.filing(approved).overdue
    finally:
        reset_actor(token)


def test_the_submitter_cannot_approve_their_own_version(ctx: Any, demo: Any) -> None:
    token = act_as(ctx, "coordinator")
    try:
        number = submitted(ctx)
        with pytest.raises(Forbidden):
            plans.approve(ctx, PLAN, number)
    finally:
        reset_actor(token)


def test_an_approved_version_never_changes_and_a_new_one_supersedes_it(ctx: Any,
                                                                        demo: Any) -> None:
    first = submitted(ctx)
    token = act_as(ctx, "official")
    try:
        plans.approve(ctx, PLAN, first)
    finally:
        reset_actor(token)
    stored, version = plans.document(ctx, PLAN, lang="zh")
    assert version is not None and version.number == first
    again, _v = plans.document(ctx, PLAN, lang="zh")
    assert again == stored  # served byte for byte from storage
    second = submitted(ctx)
    token = act_as(ctx, "official")
    try:
        plans.approve(ctx, PLAN, second)
    finally:
        reset_actor(token)
    assert plans.version(ctx, PLAN, first).status is VersionStatus.SUPERSEDED
    assert plans.current(ctx, plans.load(ctx, PLAN)).number == second
    old, _v = plans.document(ctx, PLAN, number=first, lang="zh")
    assert old == stored


def test_returning_needs_a_reason_and_unfreezes(ctx: Any, demo: Any) -> None:
    number = submitted(ctx)
    token = act_as(ctx, "official")
    try:
        with pytest.raises(ValidationFailed):
            plans.return_to_draft(ctx, PLAN, number, " ")
        back = plans.return_to_draft(ctx, PLAN, number, "请补充通讯录")
        assert back.status is VersionStatus.DRAFT and back.snapshot is None
    finally:
        reset_actor(token)


def test_staff_cannot_read_the_restricted_edition(ctx: Any, demo: Any) -> None:
    token = act_as(ctx, "staff")
    try:
        with pytest.raises(Forbidden):
            plans.document(ctx, PLAN, edition=Edition.RESTRICTED)
    finally:
        reset_actor(token)
