"""The OpenAPI document is generated from the code and covers every API route."""
from __future__ import annotations

import re
from typing import Any


def _spec(client: Any, auth: Any) -> dict[str, Any]:
    resp = client.get("/api/v1/openapi.json", headers=auth("admin"))
    assert resp.status_code == 200
    return resp.json


def test_every_api_route_is_documented_with_its_methods(app: Any, client: Any, demo: Any,
                                                        auth: Any) -> None:
    spec = _spec(client, auth)
    documented = {(path, method.upper()) for path, ops in spec["paths"].items()
                  for method in ops if method != "parameters"}
    implemented = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        implemented |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert implemented == documented


def test_spec_declares_bearer_security_and_problem_responses(client: Any, demo: Any,
                                                             auth: Any) -> None:
    spec = _spec(client, auth)
    assert spec["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    issue = spec["paths"]["/api/v1/stock/issues"]["post"]
    assert {"401", "403", "409", "422"} <= set(issue["responses"])
    assert issue["requestBody"]["content"]["application/json"]["schema"]
    token = spec["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == []  # the only call that needs no token
