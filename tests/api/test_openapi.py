"""/openapi.json documents exactly the routes the app serves."""

from __future__ import annotations

import re

import pytest

from service.app import create_app
from service.settings import Settings
from tests.api.conftest import Client

pytestmark = pytest.mark.asyncio


def _served() -> set[tuple[str, str]]:
    app = create_app(Settings(store_url="memory://"))
    return {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        # HEAD mirrors GET; "*" is the catch-all that answers 404/405 as JSON.
        if route.resource is not None and route.method not in {"HEAD", "*"}
    }


async def test_spec_matches_the_routes(client: Client) -> None:
    response = await client.get("/openapi.json")
    assert response.status == 200
    spec = await response.json()
    assert spec["openapi"].startswith("3.")
    documented = {
        (method, path) for path, operations in spec["paths"].items() for method in operations
    }
    assert documented == _served()
    for path, operations in spec["paths"].items():
        templated = set(re.findall(r"{(\w+)}", path))
        for operation in operations.values():
            assert operation["summary"]
            assert operation["responses"]
            path_params = [p for p in operation.get("parameters", []) if p["in"] == "path"]
            assert {p["name"] for p in path_params} == templated
            assert all(p["required"] for p in path_params)
