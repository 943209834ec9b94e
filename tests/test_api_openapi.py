"""openapi.json describes every API route, generated from the same declarations that register them."""
from __future__ import annotations


def test_openapi_describes_every_route_with_bearer_security(app, client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = r.get_json()
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "Nyckel från POST /tokens"}
    documented = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    routes = {(method, rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}"))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routes - {("GET", "/openapi.json")}
    public = {(m, p) for m, p in documented if spec["paths"][p][m.lower()]["security"] == []}
    assert public == {("POST", "/tokens")}
    fire = spec["paths"]["/measures/{measure_id}/transitions"]["post"]
    assert fire["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Fire"}
    assert {"200", "401", "403", "404", "409", "422"} <= set(fire["responses"])
    detail = spec["components"]["schemas"]["MeasureDetail"]
    assert {"version", "transitions", "state"} <= set(detail["required"])
