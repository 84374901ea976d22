"""Search, sort and paginate a select of ORM rows: shared by the API and the pages."""
from __future__ import annotations

import math
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from app.core import db
from app.core.errors import ValidationFailed


def page_of(stmt: Select[Any], args: dict[str, Any],
            sortable: dict[str, InstrumentedAttribute[Any]],
            searchable: list[InstrumentedAttribute[Any]], default_sort: str) -> dict[str, Any]:
    """Apply search, sort and pagination to a select of ORM rows; return the envelope."""
    if args.get("q") and searchable:
        like = f"%{args['q'].strip()}%"
        stmt = stmt.where(or_(*[col.ilike(like) for col in searchable]))
    sort = args.get("sort") or default_sort
    column = sortable.get(sort.lstrip("-"))
    if column is None:
        raise ValidationFailed(f"Cannot sort by '{sort}'. Choose from: "
                               f"{', '.join(sorted(sortable))}.", field="sort")
    per_page = args.get("per_page") or current_app.config["PAGE_SIZE"]
    session = db.session()
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    ordered = stmt.order_by(column.desc() if sort.startswith("-") else column.asc(),
                            *[c for c in stmt.selected_columns if c.key == "id"][:1])
    rows = session.scalars(ordered.limit(per_page).offset((args["page"] - 1) * per_page)).all()
    return {"items": rows, "page": args["page"], "per_page": per_page, "total": total,
            "pages": math.ceil(total / per_page) if total else 0}
