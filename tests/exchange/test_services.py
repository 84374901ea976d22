"""CSV imports land whole or not at all, and say which row and column is wrong."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.errors import ValidationFailed
from app.exchange import services as imports
from app.models import Area, AuditEntry, LedgerEntry, Shelter, StockLot
from app.stock import services as stock

LOTS = ("depot,item,lot_number,quantity,expiry_date\n"
        "DEP-D01,QUILT,IMP-1,10,\n"
        "DEP-D01,WATER-DRINK,IMP-2,500,2030-01-01\n"
        "DEP-D01,WATER-DRINK,IMP-3,abc,2030-01-01\n"
        "DEP-D01,NO-SUCH-ITEM,IMP-4,5,2030-01-01\n")


def _counts(ctx: Any) -> tuple[int, int]:
    return (ctx.scalar(select(func.count()).select_from(StockLot)),
            ctx.scalar(select(func.count()).select_from(LedgerEntry)))


def test_one_bad_row_imports_nothing_and_names_row_and_column(ctx: Any, demo: Any) -> None:
    before = _counts(ctx)
    with pytest.raises(ValidationFailed) as exc:
        imports.import_csv(ctx, "lots", LOTS.encode())
    assert exc.value.errors[0] == {"row": 4, "column": "quantity",
                                   "message": "'abc' is not a whole number.", "value": "abc"}
    assert "row 4, column 'quantity'" in exc.value.detail
    assert _counts(ctx) == before


def test_reference_errors_are_found_before_anything_is_written(ctx: Any, demo: Any) -> None:
    before = _counts(ctx)
    text = LOTS.replace("IMP-3,abc", "IMP-3,7")
    with pytest.raises(ValidationFailed) as exc:
        imports.import_csv(ctx, "lots", text.encode())
    assert [(e["row"], e["column"]) for e in exc.value.errors] == [(5, "item")]
    assert _counts(ctx) == before


def test_good_lot_import_lands_every_row_on_the_ledger(ctx: Any, demo: Any) -> None:
    before = _counts(ctx)
    good = "\n".join(LOTS.splitlines()[:3]) + "\n"
    result = imports.import_csv(ctx, "lots", good.encode("gb18030"))
    assert result.created == 2 and result.encoding == "utf-8"  # plain ASCII reads as UTF-8
    assert _counts(ctx) == (before[0] + 2, before[1] + 2)
    assert stock.verify(ctx)[1] == []
    assert ctx.scalar(select(AuditEntry.summary).where(AuditEntry.action == "import")) \
        .startswith("CSV import of lots: 2 rows")
    with pytest.raises(ValidationFailed) as exc:  # the same lots again: refused, by row
        imports.import_csv(ctx, "lots", good.encode())
    assert [e["row"] for e in exc.value.errors] == [2, 3]


def test_chinese_gb18030_area_file_with_hxl_row(ctx: Any, demo: Any) -> None:
    text = ("编码,层级,上级编码,中文名称,英文名称,人口,户数,独居老人,风险隐患\n"
            "#adm+code,#adm+level,#adm+code+parent,#adm+name+i_zh,#adm+name+i_en,"
            "#population,#population+households,#population+elderly+alone,#hazard\n"
            "S01-C01-G50,网格,S01-C01,五十网格,Grid 50,800,300,20,洪涝;火灾\n"
            "S01-C01-G51,网格,S01-C01,五十一网格,Grid 51,700,280,15,\n")
    district = ctx.scalar(select(Area.population).where(Area.code == "D01"))
    result = imports.import_csv(ctx, "areas", text.encode("gb18030"))
    assert (result.created, result.has_hxl, result.encoding) == (2, True, "gb18030")
    grid = ctx.scalar(select(Area).where(Area.code == "S01-C01-G50"))
    assert grid.hazards == ["flood", "fire"] and grid.elderly_alone == 20
    assert ctx.scalar(select(Area.population).where(Area.code == "D01")) == district + 1500


def test_area_rows_with_a_wrong_level_import_nothing(ctx: Any, demo: Any) -> None:
    text = ("code,level,parent,name_zh\nS01-C01-G60,grid,S01-C01,甲\n"
            "S01-C01-G61,community,S01-C01,乙\n")
    with pytest.raises(ValidationFailed) as exc:
        imports.import_csv(ctx, "areas", text.encode())
    assert [(e["row"], e["column"]) for e in exc.value.errors] == [(3, "level")]
    assert ctx.scalar(select(Area).where(Area.code == "S01-C01-G60")) is None


@pytest.mark.parametrize("kind", ["areas", "items", "depots", "shelters", "teams", "members"])
def test_export_then_import_round_trips(ctx: Any, demo: Any, kind: str) -> None:
    for lang in ("en", "zh"):
        exported = imports.export_csv(ctx, kind, lang=lang)
        result = imports.import_csv(ctx, kind, exported.encode("utf-8-sig"))
        assert result.created == 0 and result.updated == result.rows > 0
    assert imports.export_csv(ctx, kind) == exported.replace(
        exported.splitlines()[0], imports.export_csv(ctx, kind).splitlines()[0])


def test_shelter_import_rejects_unknown_facility(ctx: Any, demo: Any) -> None:
    text = ("code,name_zh,area,duration_class,grade,capacity,facilities\n"
            "SH-NEW,新场所,S01-C01,emergency,community,200,water;spa\n")
    with pytest.raises(ValidationFailed) as exc:
        imports.import_csv(ctx, "shelters", text.encode())
    assert exc.value.errors[0]["column"] == "facilities"
    assert ctx.scalar(select(Shelter).where(Shelter.code == "SH-NEW")) is None
