"""Schemathesis fuzzes the real server against its own /openapi.json: no 5xx, no off-spec answer.

schemathesis runs from its own venv (tests/fuzz/toolenv.py explains why); the server is the real
CLI on a free loopback port over a temporary SQLite store seeded from schemas/, stopped by PID.
"""

from __future__ import annotations

import gzip
import re
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.api.errors import _CODE_BY_STATUS, _STATUS_BY_CODE
from service.api.openapi import PATHS
from service.api.openapi_schemas import (
    ERROR_CODES,
    ID_PATTERN,
    VERSION_PATTERN,
    VERSION_REF_PATTERN,
)
from service.app import create_app
from service.domain.errors import DomainError, InvalidSchemaId, InvalidVersion
from service.domain.ids import validate_schema_id
from service.domain.versions import Version
from service.settings import Settings
from tests.api.conftest import Client, publish, publish_all
from tests.auth import token
from tests.fuzz.toolenv import ToolEnvError, ensure
from tests.serve_process import serving

# Every check but positive_data_acceptance: no JSON Schema of a request body can say which
# documents are publishable (arrow must agree with properties, the meta-schema, the bump rules),
# so schema-valid bodies are rightly refused with 400/409/422.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
)
# Per operation and phase: about 1,900 requests, 13 s on two cores for the whole run.
MAX_EXAMPLES = 100
RUN_TIMEOUT = 240


@pytest.fixture(scope="module")
def schemathesis() -> Path:
    try:
        return ensure()
    except ToolEnvError as exc:
        pytest.fail(f"cannot build the schemathesis tool venv: {exc}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The base URL of `python -m service serve`, ready, seeded from schemas/, and its log."""
    # Unlimited: ~1,900 requests in ~13 s would spend the default write budget, and the 429s
    # (documented, so conforming) would hide what the writes do.
    with serving(tmp_path, "--read-rate", "0", "--write-rate", "0") as base:
        yield base, tmp_path / "server.log"


@pytest.mark.fuzz
@pytest.mark.timeout(RUN_TIMEOUT + 660)
def test_schemathesis_finds_nothing(
    schemathesis: Path, server: tuple[str, Path], tmp_path: Path
) -> None:
    base, log_path = server
    command = [
        str(schemathesis), "run", f"{base}/openapi.json",
        "--checks", ",".join(CHECKS),
        # As an admin, so every operation is reached; tests/api/test_security.py covers refusals.
        "--header", f"Authorization: Bearer {token('admin', 'schemathesis')}",
        "--max-examples", str(MAX_EXAMPLES),
        # The same requests every run: derandomized generation (which also means no example
        # database) and one worker, so stateful requests meet the store in the same order.
        "--generation-deterministic",
        "--workers", "1",
        "--request-timeout", "10",
        "--no-color",
    ]  # fmt: skip
    started = time.monotonic()
    # cwd: a temporary directory, so no schemathesis.toml or report directory is picked up.
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )
    elapsed = time.monotonic() - started
    output = done.stdout + done.stderr
    # The failures and the summary are in the output; a 5xx's traceback is in the server log
    # (short: no access log; schemathesis's NUL-byte header probe leaves one aiohttp traceback).
    server_log = log_path.read_text()
    assert done.returncode == 0, f"$ {' '.join(command)}\n{output}\nserver log:\n{server_log}"
    # A run that tested nothing would also exit 0.
    # Every operation but GET /openapi.json, which schemathesis leaves out (the spec came from it).
    operations = sum(len(methods) for methods in PATHS.values()) - 1
    assert re.search(rf"Tested: +{operations}\b", output), output
    assert re.search(r"\b([1-9][0-9]+) generated, \1 passed\b", output), output
    print(f"schemathesis passed in {elapsed:.1f} s")


# -- the spec agrees with the code it describes ----------------------------------------------


def _ecma_search(pattern: str, text: str) -> bool:
    """JSON Schema's `pattern` (ECMA-262): unlike Python's, its `$` never matches before a "\\n"."""
    return re.search(pattern.removesuffix("$") + r"\Z", text) is not None


def _all_subclasses(kind: type[DomainError]) -> set[type[DomainError]]:
    direct = set(kind.__subclasses__())
    return direct.union(*(_all_subclasses(sub) for sub in direct))


def test_every_error_code_is_documented_under_its_status() -> None:
    create_app(Settings(store_url="memory://"))  # imports every handler module
    rendered = {(status, code) for code, status in _STATUS_BY_CODE.items()}
    rendered |= {(status, code) for status, code in _CODE_BY_STATUS.items() if status != 405}
    rendered |= {
        (_STATUS_BY_CODE.get(sub.code, 400), sub.code) for sub in _all_subclasses(DomainError)
    }
    rendered |= {(400, DomainError.code), (400, "http_error"), (503, "store_unavailable")}
    documented = {(status, code) for status, codes in ERROR_CODES.items() for code in codes}
    assert rendered <= documented


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "ticks_v1",
        "A.b-c_9",
        "0" * 128,
        "0" * 129,
        "",
        "_x",
        ".x",
        "a/b",
        "a b",
        "tick\n",
        "tické",
    ],
)
def test_id_pattern_agrees_with_the_domain(text: str) -> None:
    try:
        validate_schema_id(text)
        valid = True
    except InvalidSchemaId:
        valid = False
    assert _ecma_search(ID_PATTERN, text) == valid


@pytest.mark.parametrize(
    "text",
    [
        "0.0.0",
        "1.2.3",
        "10.20.30",
        "01.0.0",
        "1.0",
        "1.0.0.0",
        "v1.0.0",
        "1.0.0-rc1",
        "1.0.0\n",
        "\u0661.0.0",
    ],
)
def test_version_patterns_agree_with_the_domain(text: str) -> None:
    try:
        Version.parse(text)
        valid = True
    except InvalidVersion:
        valid = False
    assert _ecma_search(VERSION_PATTERN, text) == valid
    assert _ecma_search(VERSION_REF_PATTERN, text) == valid
    assert _ecma_search(VERSION_REF_PATTERN, "latest")


# -- bugs the fuzzing turned up -----------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("resource", ["compat", "validate"])
async def test_post_only_resources_are_not_versions(client: Client, resource: str) -> None:
    await publish_all(client, "1.0.0")
    # Was: GET read "compat" as a version (400), and 405 answers advertised GET in `Allow`.
    for method in ("GET", "OPTIONS"):
        response = await client.request(method, f"/schema/ticks_v1/{resource}")
        assert response.status == 405
        assert response.headers["Allow"] == "POST"
        assert (await response.json())["error"] == "method_not_allowed"
    assert (await client.get("/schema/ticks_v1/latest")).status == 200


def _nested(depth: int) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for _ in range(depth - 1):
        record = {"a": record}
    return record


@pytest.mark.asyncio
async def test_a_ref_loop_without_a_schema_is_refused_at_publish(client: Client) -> None:
    looping = {
        "version": "1.0.0",
        "type": "object",
        "properties": {"a": {"$ref": "#/definitions/x"}},
        "definitions": {"x": {"$ref": "#/definitions/y"}, "y": {"$ref": "#/definitions/x"}},
    }
    # Was: published, then a RecursionError (500) on validate; no validator can finish it.
    response = await publish(client, looping, "looping")
    assert response.status == 400
    body = await response.json()
    assert body["error"] == "invalid_schema"
    assert any("refers back to itself" in p for p in body["details"]["problems"])
    assert (await client.get("/schema/looping")).status == 404
    # A recursive schema that does reach a schema still validates the deepest records allowed.
    recursive = {"version": "1.0.0", "type": "object", "properties": {"a": {"$ref": "#"}}}
    assert (await publish(client, recursive, "recursive")).status == 201
    response = await client.post("/schema/recursive/validate", json=[_nested(63)])
    assert response.status == 200, await response.text()
    assert (await response.json())["valid"] == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("pattern", [r"\p{L}", "(?<name>a)", r"\u{1F600}"])
async def test_an_ecma_pattern_python_cannot_compile_cannot_validate(
    client: Client, pattern: str
) -> None:
    doc = {"version": "1.0.0", "type": "object", "patternProperties": {pattern: {}}}
    # Valid ECMA-262, so a valid document; Python's re rejects it.
    assert (await publish(client, doc, "patterned")).status == 201
    # Was: re.error escaping fastjsonschema.compile, a 500.
    response = await client.post("/schema/patterned/validate", json={"a": 1})
    assert response.status == 422
    assert (await response.json())["error"] == "validator_unavailable"


@pytest.mark.asyncio
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_that_does_not_decode_is_a_400(client: Client, encoding: str) -> None:
    # Connection: close, because aiohttp still drains the broken body after the answer is sent
    # and drops a kept-alive connection when that fails again.
    headers = {
        "Content-Type": "application/json",
        "Content-Encoding": encoding,
        "Connection": "close",
    }
    # Was: aiohttp's RequestPayloadError escaping the handler, a 500.
    response = await client.put("/config", data=b"not compressed", headers=headers)
    assert response.status == 400
    assert (await response.json())["error"] == "bad_request"
    # A body that does decode is read as usual.
    packed = (
        gzip.compress(b'{"mode": "FULL"}')
        if encoding == "gzip"
        else zlib.compress(b'{"mode": "FULL"}')
    )
    response = await client.put("/config", data=packed, headers=headers)
    assert response.status == 200, await response.text()
    assert (await response.json())["mode"] == "FULL"
