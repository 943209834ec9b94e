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


def test_the_readme_lists_every_api_operation():
    """README's API table names every declared operation, so a new route cannot go undocumented."""
    import re

    from kfflow.config import PROJECT_ROOT
    from webui.api.framework import OPERATIONS

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| method and path |"):readme.index("Field values:")]
    missing = [f"{op.method} {op.rule}" for op in OPERATIONS
               if f"`{op.method} {re.sub(r'<int:[a-z_]+>', '<id>', op.rule)}" not in table]
    assert not missing, f"README's API table lacks {missing}"
