"""Vocabulary of contingency plan versions and document editions."""
from __future__ import annotations

from app.core.vocabulary import Labelled, _with_labels


class VersionStatus(Labelled):
    """A contingency plan version's life: drafted, submitted, approved, then superseded."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


_with_labels(VersionStatus, {"draft": ("草稿", "Draft"), "submitted": ("已提交待审批", "Submitted"),
                             "approved": ("已批准", "Approved"),
                             "superseded": ("已被新版本替代", "Superseded")})


class Edition(Labelled):
    """Who may read a plan document: everyone in scope, or authorised roles only (it lists
    vulnerable residents)."""

    PUBLIC = "public"
    RESTRICTED = "restricted"


_with_labels(Edition, {"public": ("公开版", "Public edition"),
                       "restricted": ("内部版（含弱势人员名单）", "Restricted edition")})
