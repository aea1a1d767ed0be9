"""/openapi.json documents exactly the routes the app serves."""

from __future__ import annotations

import re

import pytest

from service.api.openapi import SPEC
from service.api.routes import ROUTES
from service.app import create_app
from service.security.roles import Access
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
    # The web UI's pages are listed apart from the API's operations, under x-web-ui.
    ui = {(method, path) for path, operations in spec["x-web-ui"].items() for method in operations}
    assert all(path == "/ui" or path.startswith("/ui/") for _, path in ui)
    assert not documented & ui
    assert documented | ui == _served()
    for path, operations in spec["paths"].items():
        templated = set(re.findall(r"{(\w+)}", path))
        for operation in operations.values():
            assert operation["summary"]
            assert operation["responses"]
            path_params = [p for p in operation.get("parameters", []) if p["in"] == "path"]
            assert {p["name"] for p in path_params} == templated
            assert all(p["required"] for p in path_params)


async def test_each_operation_declares_its_route_access() -> None:
    """The spec's security and x-access say what service/api/routes.py enforces."""
    declared = {
        (method, path): operation["x-access"]
        for path, operations in SPEC["paths"].items()
        for method, operation in operations.items()
    }
    routes = {
        (method.lower(), _canonical(path)): access.value for method, path, _, access, _ in ROUTES
    }
    ui = {(method, path) for path, operations in SPEC["x-web-ui"].items() for method in operations}
    # The UI shows what reads show, and its checker is a dry run like POST /schema/{id}/compat.
    assert {routes.pop(route) for route in ui} == {Access.READ.value}
    assert declared == routes
    for operations in SPEC["paths"].values():
        for operation in operations.values():
            access = Access(operation["x-access"])
            if access is Access.OPEN:
                assert operation["security"] == []
                assert not {"401", "403", "429"} & set(operation["responses"])
            else:
                assert {"401", "403", "429"} <= set(operation["responses"])
                assert ({} in operation["security"]) is not access.writes


def _canonical(path: str) -> str:
    """A route path with its regex parts dropped, as aiohttp's `canonical` has it."""
    return re.sub(r"{(\w+):[^}]*}", r"{\1}", path)
