"""Locust: a realistic traffic mix against one registry (issue 13, DESIGN §10).

Two user classes (pick one on the command line; see loadtests/README.md for the full commands):

- `RegistryUser`, the mix. Per request: 85 % GET latest (`/schema/{id}`), 5 % GET a pinned
  version, 4 % listing (`/schemas`, `/schema/{id}/versions`), 3 % compat dry-runs, 2 % publishes
  of generated compatible versions, 1 % validate (a batch of 10 tick records).
- `BareGetUser`: only GET of one path, nothing else. Against the bare aiohttp handler of
  `bench_http.py` (`--internal baseline-server`) it measures what this load generator can drive
  on its core: the same-run ceiling the mix is compared with.

Reads spread over `ticks_v1` (seeded by `serve --seed schemas/`) and READ_IDS ids x 3 versions
published once by the master (or the single local process) at start-up: an identical
re-publish answers 200, so re-running against the same store is harmless.

Publishes: every user owns its ids (`lt-<run>-<pid>-<n>`, fresh per process, so no two users
ever race on one id and no run collides with an earlier one on a kept store). Each id gets
1.0.0, then MINOR bumps, each adding one optional property and its nullable Arrow field, up to
MINORS_PER_ID versions; then the user moves to a new id (publish cost grows with an id's
history). Publishing needs a `ci-bot` token: it is minted from `SCHEMA_REGISTRY_JWT_SECRET`, the
secret the server was started with.

Pacing: every user waits `constant_throughput(LOCUST_USER_RATE)` (default 10 requests/s per
user), so `--users 120` offers ~1,200 req/s: an open-ish, fixed offered load whose p95 is
meaningful. `LOCUST_USER_RATE=0` removes the wait (closed loop, saturation).

Bounded: the run refuses to start without `--run-time` (`-t`), and caps users at MAX_USERS.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import secrets
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, constant_throughput, events, task
from locust.runners import WorkerRunner

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from service.security.roles import Role  # noqa: E402
from service.security.tokens import mint  # noqa: E402

SCHEMAS = REPO_ROOT / "schemas"
SEEDED_ID = "ticks_v1"
SEEDED_VERSIONS = ("1.0.0", "1.1.0", "1.2.0", "2.0.0")
READ_IDS = 20
READ_VERSIONS = ("1.0.0", "1.1.0", "1.2.0")
MINORS_PER_ID = 10
MAX_USERS = 2000
USER_RATE = float(os.environ.get("LOCUST_USER_RATE", "10"))
SECRET_ENV = "SCHEMA_REGISTRY_JWT_SECRET"
# One token per process, minted at import from the server's secret; 12 h is longer than any run.
TOKEN_TTL = 12 * 3600

# A run token keeps generated publish ids unique across runs on a kept store.
RUN = os.environ.get("LOCUST_RUN_ID") or secrets.token_hex(3)

_BASE: dict[str, Any] = json.loads((SCHEMAS / SEEDED_ID / "1.0.0.json").read_text("utf-8"))
_LATEST: dict[str, Any] = json.loads((SCHEMAS / SEEDED_ID / "2.0.0.json").read_text("utf-8"))


def read_id(n: int) -> str:
    return f"lt-read-{n:03d}"


def minor_document(schema_id: str, minor: int) -> dict[str, Any]:
    """Version 1.<minor>.0 of ticks_v1's 1.0.0 shape under `schema_id`: each minor adds one
    optional integer property and its nullable Arrow field (a MINOR change over the previous)."""
    properties = dict(_BASE["properties"])
    fields = list(_BASE["arrow"]["fields"])
    for k in range(1, minor + 1):
        properties[f"extra_{k}"] = {"type": "integer"}
        fields.append({"name": f"extra_{k}", "type": {"name": "int32"}, "nullable": True})
    return {
        **_BASE,
        "id": schema_id,
        "version": f"1.{minor}.0",
        "properties": properties,
        "arrow": {"fields": fields},
    }


def _compat_candidate() -> bytes:
    """ticks_v1 2.0.0 plus one optional field: a compatible (MINOR) candidate against latest."""
    doc = dict(_LATEST)
    doc["version"] = "2.1.0"
    doc["properties"] = {**_LATEST["properties"], "venue": {"type": "string"}}
    doc["arrow"] = {
        "fields": [
            *_LATEST["arrow"]["fields"],
            {"name": "venue", "type": {"name": "utf8"}, "nullable": True},
        ]
    }
    return json.dumps(doc).encode()


def _validate_batch() -> bytes:
    """Ten ticks_v1 2.0.0 records, one of them invalid (a negative-path row in every batch)."""
    records: list[dict[str, Any]] = [
        {
            "ts": f"2026-11-26T10:00:{i:02d}Z",
            "symbol": "AAPL",
            "last_price": 187.25 + i,
            "size": 100 + i,
            "side": "B" if i % 2 else "S",
        }
        for i in range(9)
    ]
    records.append({"ts": "2026-11-26T10:00:09Z", "symbol": "AAPL", "size": "oops"})
    return json.dumps(records).encode()


COMPAT_BODY = _compat_candidate().decode()
VALIDATE_BODY = _validate_batch().decode()
JSON = {"Content-Type": "application/json"}


def _token() -> str | None:
    secret = os.environ.get(SECRET_ENV)
    if not secret:
        return None
    return mint(subject="locust", role=Role.CI_BOT, ttl=TOKEN_TTL, secret=secret.encode())


TOKEN = _token()
PUBLISH_HEADERS = {**JSON, "Authorization": f"Bearer {TOKEN}"} if TOKEN else JSON


def _post(host: str, path: str, body: bytes) -> int:
    request = urllib.request.Request(
        host.rstrip("/") + path, data=body, headers=PUBLISH_HEADERS, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def seed_read_ids(host: str) -> None:
    """READ_IDS ids x READ_VERSIONS, once, before users start; 201 or an identical 200."""
    for n in range(READ_IDS):
        for minor, version in enumerate(READ_VERSIONS):
            doc = minor_document(read_id(n), minor)
            assert doc["version"] == version
            status = _post(host, f"/schema/{read_id(n)}", json.dumps(doc).encode())
            if status not in (200, 201):
                raise SystemExit(f"seeding {read_id(n)} {version} failed: HTTP {status}")


def _options(parser: Any) -> None:
    parser.add_argument(
        "--skip-seed", action="store_true", default=False, help="do not publish the read ids"
    )


def _on_init(environment: Any, **_: Any) -> None:
    options = environment.parsed_options
    if options is None or isinstance(environment.runner, WorkerRunner):
        return
    if not options.run_time:
        raise SystemExit("locustfile: pass --run-time (-t); every load run here is bounded")
    if options.num_users and options.num_users > MAX_USERS:
        raise SystemExit(f"locustfile: at most {MAX_USERS} users")
    user_classes = set(options.user_classes or [])
    if "BareGetUser" in user_classes or options.skip_seed:
        return
    if TOKEN is None:
        raise SystemExit(f"locustfile: set {SECRET_ENV} to the secret the server runs with")
    seed_read_ids(environment.host or "http://127.0.0.1:8000")


# locust's add_listener is unannotated, hence the ignores (the decorator form is untyped too).
events.init_command_line_parser.add_listener(_options)  # type: ignore[no-untyped-call]
events.init.add_listener(_on_init)  # type: ignore[no-untyped-call]


class RegistryUser(FastHttpUser):
    """The mix; weights are percentages of requests."""

    wait_time = constant_throughput(USER_RATE) if USER_RATE > 0 else between(0, 0)
    _ids = itertools.count()

    def on_start(self) -> None:
        self._pub_id: str | None = None
        self._pub_minor = 0
        self._rng = random.Random()

    def _any_id(self) -> str:
        # ~1 in 5 reads for the seeded tick schema, the rest spread over the read ids.
        if self._rng.random() < 0.2:
            return SEEDED_ID
        return read_id(self._rng.randrange(READ_IDS))

    @task(85)
    def get_latest(self) -> None:
        self.client.get(f"/schema/{self._any_id()}", name="GET /schema/[id]")

    @task(5)
    def get_pinned(self) -> None:
        if self._rng.random() < 0.2:
            path = f"/schema/{SEEDED_ID}/{self._rng.choice(SEEDED_VERSIONS)}"
        else:
            path = f"/schema/{read_id(self._rng.randrange(READ_IDS))}/"
            path += self._rng.choice(READ_VERSIONS)
        self.client.get(path, name="GET /schema/[id]/[version]")

    @task(2)
    def list_schemas(self) -> None:
        self.client.get("/schemas?limit=50", name="GET /schemas")

    @task(2)
    def list_versions(self) -> None:
        self.client.get(f"/schema/{self._any_id()}/versions", name="GET /schema/[id]/versions")

    @task(3)
    def compat(self) -> None:
        with self.client.post(
            f"/schema/{SEEDED_ID}/compat",
            data=COMPAT_BODY,
            headers=JSON,
            name="POST /schema/[id]/compat",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and not response.json().get("compatible"):
                response.failure("candidate judged incompatible")

    @task(2)
    def publish(self) -> None:
        if self._pub_id is None or self._pub_minor >= MINORS_PER_ID:
            self._pub_id = f"lt-{RUN}-{os.getpid()}-{next(self._ids)}"
            self._pub_minor = 0
        doc = minor_document(self._pub_id, self._pub_minor)
        with self.client.post(
            f"/schema/{self._pub_id}",
            data=json.dumps(doc),
            headers=PUBLISH_HEADERS,
            name="POST /schema/[id] (publish)",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"publish {doc['version']}: HTTP {response.status_code}")
        self._pub_minor += 1

    @task(1)
    def validate(self) -> None:
        with self.client.post(
            f"/schema/{SEEDED_ID}/validate",
            data=VALIDATE_BODY,
            headers=JSON,
            name="POST /schema/[id]/validate",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and response.json().get("invalid") != 1:
                response.failure(f"expected 1 invalid record: {response.text[:200]}")


class BareGetUser(FastHttpUser):
    """Only `GET /schema/ticks_v1`: the generator's own ceiling against the bare handler."""

    wait_time = constant_throughput(USER_RATE) if USER_RATE > 0 else between(0, 0)

    @task
    def get_latest(self) -> None:
        self.client.get(f"/schema/{SEEDED_ID}", name="GET /schema/[id]")
