"""Authentication on every call, area scopes, roles and problem details."""
from __future__ import annotations

from typing import Any

import pytest

from app.demo import DEMO_PASSWORD


def test_unauthenticated_call_gets_401_problem(client: Any, demo: Any) -> None:
    resp = client.get("/api/v1/depots")
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert resp.json["status"] == 401 and resp.json["title"]
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_token_gets_401(client: Any, demo: Any) -> None:
    resp = client.get("/api/v1/depots", headers={"Authorization": "Bearer rg_nope"})
    assert resp.status_code == 401


def test_the_openapi_document_needs_authentication_too(client: Any, demo: Any,
                                                       auth: Any) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 401
    assert client.get("/api/v1/openapi.json", headers=auth("staff")).status_code == 200


def test_password_exchange_gives_a_working_token(client: Any, demo: Any) -> None:
    resp = client.post("/api/v1/auth/token",
                       json={"username": "staff", "password": DEMO_PASSWORD})
    assert resp.status_code == 201
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {resp.json['token']}"})
    assert me.json == {"username": "staff", "role": "community_staff", "area": "S01-C01"}


def test_repeated_wrong_passwords_lock_the_account(client: Any, demo: Any) -> None:
    for _ in range(5):
        bad = client.post("/api/v1/auth/token", json={"username": "staff", "password": "x"})
        assert bad.status_code == 401
    resp = client.post("/api/v1/auth/token", json={"username": "staff",
                                                    "password": DEMO_PASSWORD})
    assert resp.status_code == 401 and "Too many" in resp.json["detail"]


def _depot(client: Any, auth: Any, code: str, area: str) -> None:
    resp = client.post("/api/v1/depots", headers=auth("admin"),
                       json={"code": code, "name_zh": code, "area": area})
    assert resp.status_code == 201


def test_staff_get_403_on_another_communitys_depot(client: Any, demo: Any, auth: Any) -> None:
    _depot(client, auth, "MINE", "S01-C01")
    _depot(client, auth, "THEIRS", "S01-C02")
    staff = auth("staff")
    assert client.get("/api/v1/depots/MINE", headers=staff).status_code == 200
    resp = client.get("/api/v1/depots/THEIRS", headers=staff)
    assert resp.status_code == 403 and resp.json["status"] == 403
    resp = client.post("/api/v1/stock/receipts", headers=staff, json={
        "depot": "THEIRS", "item": "QUILT", "quantity": 1, "lot_number": "L"})
    assert resp.status_code == 403
    listed = client.get("/api/v1/depots", headers=staff,
                        query_string={"per_page": 500}).json["items"]
    assert {d["area"] for d in listed} <= {"S01-C01"} and "MINE" in {d["code"] for d in listed}


def test_staff_cannot_list_another_subtree(client: Any, demo: Any, auth: Any) -> None:
    resp = client.get("/api/v1/shelters", headers=auth("staff"),
                      query_string={"area": "S02"})
    assert resp.status_code == 403 and resp.json["field"] == "area"
    # asking for an ancestor narrows to the caller's own subtree
    resp = client.get("/api/v1/areas", headers=auth("staff"), query_string={"area": "D01"})
    assert {a["code"][:7] for a in resp.json["items"]} == {"S01-C01"}


def test_officials_read_but_do_not_write(client: Any, demo: Any, auth: Any) -> None:
    official = auth("official")
    assert client.get("/api/v1/shelters", headers=official).status_code == 200
    resp = client.post("/api/v1/shelters/SH-S01-C01/occupancy", headers=official,
                       json={"occupancy": 10})
    assert resp.status_code == 403


def test_staff_cannot_edit_the_item_catalogue(client: Any, demo: Any, auth: Any) -> None:
    resp = client.patch("/api/v1/items/QUILT", headers=auth("staff"),
                        json={"min_per_depot": 0})
    assert resp.status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/audit"])
def test_staff_cannot_read_users_or_audit(client: Any, demo: Any, auth: Any,
                                          path: str) -> None:
    assert client.get(path, headers=auth("staff")).status_code == 403


def test_unknown_route_is_a_404_problem(client: Any, demo: Any, auth: Any) -> None:
    resp = client.get("/api/v1/nothing-here", headers=auth("admin"))
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def test_malformed_json_is_a_problem_not_a_crash(client: Any, demo: Any, auth: Any) -> None:
    resp = client.post("/api/v1/stock/issues", headers={**auth("admin"),
                                                        "Content-Type": "application/json"},
                       data=b"{not json")
    assert resp.status_code in (400, 422) and resp.mimetype == "application/problem+json"


def test_a_revoked_token_stops_working(client: Any, demo: Any) -> None:
    token = client.post("/api/v1/auth/token", json={"username": "official",
                                                     "password": DEMO_PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    mine = client.get("/api/v1/tokens", headers=headers).json["items"]
    assert len(mine) == 1 and "token_hash" not in mine[0] and token.startswith(mine[0]["prefix"])
    assert client.delete(f"/api/v1/tokens/{mine[0]['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_an_expired_token_is_refused(app: Any, client: Any, demo: Any) -> None:
    from app.accounts.services import issue_token
    from app.core import db
    with app.app_context():
        clear, _ = issue_token(db.session(), "official", "short", ttl_days=-1)
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {clear}"})
    assert resp.status_code == 401 and "expired" in resp.json["detail"]
