"""Areas, items, norms, shelters, teams, members and levels through the API."""
from __future__ import annotations

from typing import Any

import pytest


def test_areas_are_paginated_filtered_and_sorted(admin: Any) -> None:
    page = admin("get", "/api/v1/areas", query_string={"level": "grid", "per_page": 3,
                                                        "sort": "-population"}).json
    assert page["total"] == 8 and page["pages"] == 3 and len(page["items"]) == 3
    pops = [a["population"] for a in page["items"]]
    assert pops == sorted(pops, reverse=True)
    bad = admin("get", "/api/v1/areas", query_string={"sort": "nonsense"})
    assert bad.status_code == 422 and bad.json["field"] == "sort"


def test_new_grid_rolls_people_up_the_tree(admin: Any) -> None:
    before = admin("get", "/api/v1/areas/D01").json["population"]
    resp = admin("post", "/api/v1/areas", json={
        "code": "S01-C01-G99", "level": "grid", "parent": "S01-C01", "name_zh": "新网格",
        "population": 500, "households": 200, "elderly_alone": 12, "hazards": ["flood"]})
    assert resp.status_code == 201, resp.json
    assert admin("get", "/api/v1/areas/D01").json["population"] == before + 500
    admin("patch", "/api/v1/areas/S01-C01-G99", json={"population": 100})
    assert admin("get", "/api/v1/areas/S01").json["population"] == \
        sum(a["population"] for a in admin("get", "/api/v1/areas", query_string={
            "parent": "S01"}).json["items"])
    assert admin("get", "/api/v1/areas/D01").json["population"] == before + 100


def test_area_levels_must_follow_the_tree(admin: Any) -> None:
    resp = admin("post", "/api/v1/areas", json={"code": "BAD", "level": "grid",
                                                "parent": "S01", "name_zh": "x"})
    assert resp.status_code == 422 and resp.json["field"] == "level"
    resp = admin("patch", "/api/v1/areas/S01", json={"population": 5})
    assert resp.status_code == 422 and resp.json["field"] == "population"


def test_an_area_in_use_is_not_deleted(admin: Any) -> None:
    resp = admin("delete", "/api/v1/areas/S01-C01-G01")
    assert resp.status_code in (204, 409)
    resp = admin("delete", "/api/v1/areas/S01-C01")
    assert resp.status_code == 409 and resp.json["field"] == "code"


def test_duplicate_code_is_409_naming_code(admin: Any) -> None:
    resp = admin("post", "/api/v1/items", json={
        "code": "QUILT", "name_zh": "棉被", "category": "shelter_bedding", "unit_zh": "床",
        "unit_en": "quilt"})
    assert resp.status_code == 409 and resp.json["field"] == "code"


def test_norms_carry_their_source_and_local_overrides_apply(admin: Any) -> None:
    norms = admin("get", "/api/v1/norms", query_string={"item": "WATER-DRINK"}).json["items"]
    assert norms and "Sphere" in norms[0]["source"] and norms[0]["status"] == "verified"
    no_source = admin("post", "/api/v1/norms", json={"item": "WATER-DRINK", "quantity": 4,
                                                     "status": "unverified"})
    assert no_source.status_code == 422 and no_source.json["field"] == "source"
    base = admin("get", "/api/v1/stock/summary",
                 query_string={"area": "S01", "item": "WATER-DRINK"}).json["items"][0]
    resp = admin("post", "/api/v1/norms", json={
        "item": "WATER-DRINK", "quantity": 6, "area": "S01", "status": "unverified",
        "source": "S01 heat plan: 6 L/person/day in summer"})
    assert resp.status_code == 201 and resp.json["area"] == "S01"
    local = admin("get", "/api/v1/stock/summary",
                  query_string={"area": "S01", "item": "WATER-DRINK"}).json["items"][0]
    assert local["need_per_day"] == pytest.approx(base["need_per_day"] * 2)


def test_shelter_occupancy_update_sets_status_and_time(admin: Any) -> None:
    shelter = admin("get", "/api/v1/shelters/SH-S01-C01").json
    resp = admin("post", "/api/v1/shelters/SH-S01-C01/occupancy",
                 json={"occupancy": shelter["capacity"]})
    assert resp.status_code == 200
    assert resp.json["status"] == "full" and resp.json["occupancy_updated_at"]
    resp = admin("post", "/api/v1/shelters/SH-S01-C01/occupancy", json={"occupancy": 3})
    assert resp.json["status"] == "open" and resp.json["free_places"] == shelter["capacity"] - 3
    bad = admin("post", "/api/v1/shelters/SH-S01-C01/occupancy", json={"occupancy": -1})
    assert bad.status_code == 422 and bad.json["field"] == "occupancy"


def test_shelter_facilities_are_validated(admin: Any) -> None:
    resp = admin("patch", "/api/v1/shelters/SH-S01-C01", json={"facilities": ["spa"]})
    assert resp.status_code == 422 and resp.json["field"].startswith("facilities")


def test_teams_members_and_qualifications(admin: Any) -> None:
    resp = admin("post", "/api/v1/teams", json={
        "code": "T-NEW", "name_zh": "新救援队", "kind": "rescue", "home_area": "S01"})
    assert resp.status_code == 422 and resp.json["field"] == "speciality"
    resp = admin("post", "/api/v1/teams", json={
        "code": "T-NEW", "name_zh": "新救援队", "kind": "rescue", "speciality": "medical",
        "home_area": "S01"})
    assert resp.status_code == 201
    member = admin("post", "/api/v1/teams/T-NEW/members", json={
        "name": "王芳", "role": "队长", "phone": "13900000000",
        "qualifications": [{"name": "护士执业证", "expires_on": "2027-03-01"}]}).json
    team = admin("get", "/api/v1/teams/T-NEW").json
    assert team["member_count"] == 1 and team["members"][0]["qualifications"][0]["name"] == \
        "护士执业证"
    admin("patch", f"/api/v1/members/{member['id']}", json={"qualifications": []})
    assert admin("get", f"/api/v1/members/{member['id']}").json["qualifications"] == []
    teams = admin("get", "/api/v1/teams", query_string={"kind": "rescue",
                                                        "speciality": "medical"}).json
    assert "T-NEW" in {t["code"] for t in teams["items"]}


def test_levels_are_seeded_and_editable(admin: Any) -> None:
    levels = admin("get", "/api/v1/districts/D01/levels").json["items"]
    assert [lv["level"] for lv in levels] == [1, 2, 3, 4]
    assert levels[0]["colour"] == "red" and levels[0]["severity_zh"] == "特别重大"
    assert levels[3]["checklist"] and levels[3]["rules"]
    resp = admin("patch", "/api/v1/districts/D01/levels/4", json={
        "trigger_zh": "单个社区受影响", "checklist": [{"text_zh": "社区先期处置"}],
        "rules": [{"team_kind": "volunteer", "scope": "incident_area"}]})
    assert resp.status_code == 200
    assert [c["text_zh"] for c in resp.json["checklist"]] == ["社区先期处置"]
    bad = admin("patch", "/api/v1/districts/D01/levels/4",
                json={"rules": [{"team_kind": "army", "scope": "incident_area"}]})
    assert bad.status_code == 422


def test_lot_filters_expiring_and_below_minimum(admin: Any) -> None:
    expiring = admin("get", "/api/v1/lots", query_string={"expiring_within": 30,
                                                          "per_page": 500}).json["items"]
    assert expiring and all(x["expiry_date"] for x in expiring)
    below = admin("get", "/api/v1/lots", query_string={"below_minimum": "true",
                                                       "per_page": 500}).json["items"]
    summary = admin("get", "/api/v1/stock/summary", query_string={"area": "D01"}).json
    assert sum(r["depots_below_minimum"] for r in summary["items"]) > 0
    assert below is not None


def test_summary_by_children_gives_one_block_per_street(admin: Any) -> None:
    summary = admin("get", "/api/v1/stock/summary",
                    query_string={"area": "D01", "by": "children"}).json
    assert [c["area"] for c in summary["children"]] == ["S01", "S02"]
    water = next(r for r in summary["items"] if r["item"] == "WATER-DRINK")
    assert water["need_per_day"] == pytest.approx(3 * summary["population"])
    assert water["days_covered"] == pytest.approx(water["available"] / water["need_per_day"],
                                                  abs=0.01)


def test_every_change_lands_in_the_audit_log(admin: Any) -> None:
    admin("patch", "/api/v1/items/QUILT", json={"min_per_depot": 321})
    entries = admin("get", "/api/v1/audit", query_string={"entity": "items"}).json["items"]
    change = entries[0]
    assert change["actor"] == "admin" and change["action"] == "update"
    assert change["after"] == {"min_per_depot": 321}
    assert change["before"]["min_per_depot"] != 321
