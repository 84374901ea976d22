"""Codes handed out after the highest one taken."""
from __future__ import annotations

from typing import Any

from app.core.lookup import next_codes
from app.models import Area


def test_next_codes_follow_the_highest_number_and_skip_other_tails(ctx: Any, demo: Any) -> None:
    # the demo has S01-C01 and S01-C02; grids such as S01-C01-G01 share the prefix but do not
    # end in a number after it, and are skipped
    assert next_codes(ctx, Area.code, "S01-C") == ["S01-C003"]
    assert next_codes(ctx, Area.code, "S01-C", 3) == ["S01-C003", "S01-C004", "S01-C005"]
    assert next_codes(ctx, Area.code, "S02-C01-G") == ["S02-C01-G003"]
    assert next_codes(ctx, Area.code, "NONE-") == ["NONE-001"]
    ctx.add(Area(code="S01-C1000", name_zh="测试", level="community", parent_id=None,
                 path="/x/", population=0))
    ctx.flush()
    assert next_codes(ctx, Area.code, "S01-C") == ["S01-C1001"]  # past three digits
