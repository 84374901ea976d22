"""CSV upload and download through the API."""
from __future__ import annotations

import io
from typing import Any


def _upload(admin: Any, kind: str, text: str, encoding: str = "utf-8", **query: Any) -> Any:
    data = {"file": (io.BytesIO(text.encode(encoding)), f"{kind}.csv")}
    return admin("post", f"/api/v1/import/{kind}", data=data, query_string=query,
                 content_type="multipart/form-data")


def test_upload_with_a_bad_row_imports_nothing(admin: Any) -> None:
    before = admin("get", "/api/v1/lots", query_string={"depot": "DEP-D01"}).json["total"]
    resp = _upload(admin, "lots", "仓库编码,物资编码,批次号,数量,有效期至\n"
                                  "DEP-D01,QUILT,U-1,5,\nDEP-D01,QUILT,U-2,5,2020-13-40\n",
                   encoding="gb18030")
    assert resp.status_code == 422
    assert resp.json["errors"][0]["row"] == 3 and resp.json["field"] == "expiry_date"
    assert admin("get", "/api/v1/lots",
                 query_string={"depot": "DEP-D01"}).json["total"] == before


def test_dry_run_previews_rows_and_writes_nothing(admin: Any) -> None:
    text = "code,level,parent,name_zh,population\nS02-C01-G77,grid,S02-C01,试点网格,900\n"
    resp = _upload(admin, "areas", text, dry_run="true")
    assert resp.status_code == 200 and resp.json["dry_run"] is True
    assert resp.json["preview"][0]["code"] == "S02-C01-G77"
    assert admin("get", "/api/v1/areas/S02-C01-G77").status_code == 404
    assert _upload(admin, "areas", text).status_code == 201
    assert admin("get", "/api/v1/areas/S02-C01-G77").json["population"] == 900


def test_download_in_gb18030_with_chinese_headers(admin: Any) -> None:
    resp = admin("get", "/api/v1/export/shelters",
                 query_string={"lang": "zh", "encoding": "gb18030"})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.data.decode("gb18030")
    header, hxl = text.splitlines()[:2]
    assert header.startswith("编码,中文名称") and hxl.startswith("#loc+shelter+code")


def test_staff_import_outside_their_community_is_refused_by_row(client: Any, demo: Any,
                                                                auth: Any) -> None:
    text = "depot,item,lot_number,quantity\nDEP-D01,QUILT,S-1,5\n"
    data = {"file": (io.BytesIO(text.encode()), "lots.csv")}
    resp = client.post("/api/v1/import/lots", headers=auth("staff"), data=data,
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    assert resp.json["errors"][0] == {"row": 2, "column": "depot", "value": "DEP-D01",
                                      "message": "That depot is outside your responsibility."}


def test_unknown_kind_is_422(admin: Any) -> None:
    assert admin("get", "/api/v1/export/weapons").status_code == 422


def test_depot_minimum_override_drives_below_minimum(admin: Any) -> None:
    admin("post", "/api/v1/depots", json={"code": "MINI", "name_zh": "小库", "area": "S02"})
    admin("post", "/api/v1/stock/receipts", json={"depot": "MINI", "item": "RADIO",
                                                  "quantity": 10, "lot_number": "R1"})

    def below() -> set[str]:
        lots = admin("get", "/api/v1/lots", query_string={
            "below_minimum": "true", "depot": "MINI"}).json["items"]
        return {x["item"] for x in lots}

    assert below() == set()  # 10 radios against the default minimum of 4
    resp = admin("put", "/api/v1/depots/MINI/minimums/RADIO", json={"minimum": 12})
    assert resp.status_code == 204
    assert below() == {"RADIO"}
    admin("put", "/api/v1/depots/MINI/minimums/RADIO", json={"minimum": None})
    assert below() == set()


def test_an_import_cannot_take_over_a_record_of_another_area(client: Any, demo: Any, auth: Any,
                                                             admin: Any) -> None:
    """Seen: community staff imported a shelter row with another street's shelter code and
    their own area, and the other street's shelter became theirs."""
    theirs = admin("get", "/api/v1/shelters", query_string={"area": "S02"}).json["items"][0]
    text = ("code,name_zh,area,duration_class,grade,capacity\n"
            f"{theirs['code']},我的,S01-C01,emergency,community,10\n")
    resp = client.post("/api/v1/import/shelters", headers=auth("staff"),
                       data={"file": (io.BytesIO(text.encode()), "shelters.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    assert resp.json["errors"][0]["column"] == "code"
    after = admin("get", f"/api/v1/shelters/{theirs['code']}").json
    assert (after["area"], after["name_zh"]) == (theirs["area"], theirs["name_zh"])


def test_a_bad_reference_is_one_error_not_an_echo(admin: Any) -> None:
    text = ("code,area,kind,address,contact_name,contact_phone\n"
            "RP-X,NOPE,address,某路1号,赵磊,13700000000\n")
    resp = _upload(admin, "points", text)
    assert resp.status_code == 422
    assert [(e["row"], e["column"]) for e in resp.json["errors"]] == [(2, "area")]
