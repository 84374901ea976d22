"""CSV reading: encodings, dialects, bilingual headers, HXL rows, row/column errors."""
from __future__ import annotations

from datetime import date

from app.core import csvfile
from app.exchange.kinds import LOTS, SHELTERS


def test_reads_utf8_with_bom_and_english_headers() -> None:
    raw = "\ufeffdepot,item,lot_number,quantity,expiry_date\nD1,WATER,L1,10,2030-01-01\n"
    parsed = csvfile.parse(raw.encode("utf-8"), LOTS)
    assert not parsed.errors
    assert parsed.rows == [(2, {"depot": "D1", "item": "WATER", "lot_number": "L1",
                                "quantity": 10, "expiry_date": date(2030, 1, 1)})]
    assert parsed.encoding == "utf-8-sig"


def test_reads_gb18030_with_chinese_headers_and_skips_the_hxl_row() -> None:
    text = ("仓库编码,物资编码,批次号,数量,有效期至,供应商\n"
            "#loc+depot+code,#item+code,#item+batch,#item+num,#date+expiry,#org+supplier\n"
            "D1,WATER,L1,\"1,200\",2030年1月2日,华联公司\n")
    parsed = csvfile.parse(text.encode("gb18030"), LOTS)
    assert not parsed.errors
    assert parsed.encoding == "gb18030" and parsed.has_hxl
    row_no, row = parsed.rows[0]
    assert row_no == 3
    assert row["quantity"] == 1200 and row["supplier"] == "华联公司"
    assert row["expiry_date"] == date(2030, 1, 2)


def test_detects_semicolon_dialect() -> None:
    raw = b"depot;item;lot_number;quantity\nD1;WATER;L1;5\nD1;WATER;L2;6\n"
    parsed = csvfile.parse(raw, LOTS)
    assert [r["quantity"] for _, r in parsed.rows] == [5, 6]


def test_every_bad_cell_is_reported_with_row_and_column() -> None:
    raw = (b"depot,item,lot_number,quantity,expiry_date\n"
           b"D1,WATER,L1,10,2030-01-01\n"
           b"D1,WATER,L2,-3,2030-01-01\n"
           b"D1,WATER,L3,4,31/31/2030\n")
    parsed = csvfile.parse(raw, LOTS)
    found = {(e.row, e.column) for e in parsed.errors}
    assert found == {(3, "quantity"), (4, "expiry_date")}


def test_missing_required_column_is_reported_on_the_header_row() -> None:
    parsed = csvfile.parse(b"depot,item,quantity\nD1,WATER,3\n", LOTS)
    assert [(e.row, e.column) for e in parsed.errors] == [(1, "lot_number")]


def test_enum_lists_accept_chinese_labels() -> None:
    raw = ("编码,中文名称,所属区域,避难时长类别,级别,容纳人数,设施\n"
           "SH1,一号,C1,紧急,社区级,300,供水;无障碍通道\n").encode()
    parsed = csvfile.parse(raw, SHELTERS)
    assert not parsed.errors
    row = parsed.rows[0][1]
    assert row["duration_class"] == "emergency" and row["grade"] == "community"
    assert row["facilities"] == ["water", "wheelchair"]


def test_written_csv_reads_back_identically() -> None:
    class Lot:
        class depot:  # noqa: N801
            code = "D1"

        class item:  # noqa: N801
            code = "WATER"

        lot_number, on_hand, expiry_date, received_on, supplier = "L1", 7, date(2030, 1, 1), \
            date(2026, 1, 1), "甲"

    for lang in ("en", "zh"):
        text = csvfile.write(LOTS, [Lot()], lang=lang)
        parsed = csvfile.parse(text.encode("utf-8"), LOTS)
        assert not parsed.errors and parsed.has_hxl
        assert parsed.rows[0][1]["quantity"] == 7 and parsed.rows[0][1]["supplier"] == "甲"
