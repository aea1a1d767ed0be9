"""registry_client.gx: schema documents become suites that fail on exactly the bad rows."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from aiohttp.test_utils import TestClient, TestServer

from registry_client.gx import (
    SchemaFetchError,
    SchemaRegistryGEIntegration,
    expectations_for,
    pandas_read_options,
    parse_ref,
    suite_for,
    validate_with,
)
from service.app import create_app
from tests.api.conftest import tick
from tests.auth import bearer, secured
from tests.examples.conftest import SAMPLE_CSV

pytestmark = pytest.mark.gx

# A closed schema using every keyword the adapter maps, with a local $ref.
ORDERS: dict[str, Any] = {
    "id": "orders_v1",
    "version": "1.0.0",
    "type": "object",
    "definitions": {"qty": {"type": "integer", "minimum": 1, "maximum": 1000}},
    "properties": {
        "order_id": {"type": "string", "pattern": "^O-[0-9]+$", "minLength": 3, "maxLength": 8},
        "qty": {"$ref": "#/definitions/qty"},
        "limit": {"type": "number", "exclusiveMinimum": 0},
        "side": {"type": "string", "enum": ["B", "S"]},
        "venue": {"const": "XNAS"},
        "note": {"type": ["string", "null"]},
        "ts": {"type": "string", "format": "date-time"},
    },
    "required": ["order_id", "qty", "side", "ts"],
    "additionalProperties": False,
}


def _orders(**overrides: list[Any]) -> pd.DataFrame:
    columns: dict[str, Any] = {
        "order_id": pd.array(["O-1", "O-22", "O-333", "O-4444"], dtype="string"),
        "qty": pd.array([1, 10, 100, 1000], dtype="Int64"),
        "limit": [0.5, 1.0, 2.0, 3.0],
        "side": pd.array(["B", "S", "B", "S"], dtype="string"),
        "venue": pd.array(["XNAS"] * 4, dtype="string"),
        "note": pd.array([None, "x", None, "y"], dtype="string"),
        "ts": pd.to_datetime(["2024-03-01T14:30:00"] * 4),
    }
    frame = pd.DataFrame(columns)
    for name, values in overrides.items():
        frame[name] = pd.Series(values, index=frame.index).astype(frame[name].dtype)
    return frame


def _failures(frame: pd.DataFrame, document: dict[str, Any]) -> set[tuple[str, str | None, Any]]:
    report = validate_with(frame, document)
    assert report.success == (not report.failures)
    observed = ((f, f.unexpected_indices or f.observed_value) for f in report.failures)
    return {
        (f.expectation_type, f.column, tuple(o) if isinstance(o, list) else o) for f, o in observed
    }


def test_the_suite_mirrors_the_document() -> None:
    kinds = sorted(
        (e.expectation_type, getattr(e, "column", None)) for e in expectations_for(ORDERS)
    )
    assert kinds == sorted(
        [
            ("expect_table_columns_to_match_set", None),
            *[("expect_column_to_exist", c) for c in ("order_id", "qty", "side", "ts")],
            *[
                ("expect_column_values_to_not_be_null", c)
                for c in ("order_id", "qty", "side", "ts")
            ],
            *[
                ("expect_column_values_to_be_in_type_list", c)
                for c in ("order_id", "qty", "limit", "side", "note", "ts")
            ],
            ("expect_column_values_to_match_regex", "order_id"),
            ("expect_column_value_lengths_to_be_between", "order_id"),
            ("expect_column_values_to_be_between", "qty"),
            ("expect_column_values_to_be_between", "limit"),
            ("expect_column_values_to_be_in_set", "side"),
            ("expect_column_values_to_be_in_set", "venue"),
        ]
    )
    suite = suite_for(ORDERS)
    assert suite.name == "orders_v1@1.0.0"
    assert len(suite.expectations) == len(kinds)


def test_a_clean_frame_passes() -> None:
    report = validate_with(_orders(), ORDERS)
    assert report.success, report.summary()
    assert report.summary().startswith("orders_v1@1.0.0: 21 expectations, passed")


def test_each_bad_row_fails_its_expectation_only() -> None:
    frame = _orders(
        order_id=["O-1", "X-2", "O-123456789", None],
        qty=[0, 10, 1001, 5],
        limit=[0.0, 1.0, 2.0, -1.0],
        side=["B", "Q", "B", None],
        venue=["XNAS", "XNAS", "XNYS", "XNAS"],
    )
    assert _failures(frame, ORDERS) == {
        ("expect_column_values_to_match_regex", "order_id", (1,)),
        ("expect_column_value_lengths_to_be_between", "order_id", (2,)),
        ("expect_column_values_to_not_be_null", "order_id", (3,)),
        ("expect_column_values_to_be_between", "qty", (0, 2)),
        ("expect_column_values_to_be_between", "limit", (0, 3)),  # exclusive minimum
        ("expect_column_values_to_be_in_set", "side", (1,)),
        ("expect_column_values_to_not_be_null", "side", (3,)),
        ("expect_column_values_to_be_in_set", "venue", (2,)),
    }


def test_types_columns_and_values_of_the_wrong_kind() -> None:
    frame = _orders().assign(qty=[1.0, 2.0, 3.5, 4.0], extra=1)
    # An object column is checked value by value.
    frame["order_id"] = pd.Series(["O-1", "O-2", 3, "O-4"], dtype=object)
    failures = _failures(frame.drop(columns=["venue"]), ORDERS)
    assert failures == {
        ("expect_column_values_to_be_in_type_list", "qty", "float64"),
        ("expect_column_values_to_be_in_type_list", "order_id", (2,)),
        ("expect_column_values_to_match_regex", "order_id", (2,)),
        ("expect_column_value_lengths_to_be_between", "order_id", (2,)),
        (
            "expect_table_columns_to_match_set",
            None,
            ("extra", "limit", "note", "order_id", "qty", "side", "ts"),
        ),
    }


def test_absent_optional_columns_of_an_open_schema_are_no_failure() -> None:
    document = {**ORDERS, "additionalProperties": True}
    frame = _orders().drop(columns=["note", "venue", "order_id"])
    assert _failures(frame, document) == {("expect_column_to_exist", "order_id", None)}


def test_pandas_defaults_are_accepted() -> None:
    # pandas 3 reads strings as `str` and timestamps may carry a zone: both are valid values.
    frame = pd.DataFrame(
        {
            "order_id": ["O-1"],
            "qty": np.array([5], dtype="int32"),
            "limit": [1.5],
            "side": ["S"],
            "venue": ["XNAS"],
            "note": [None],
            "ts": pd.to_datetime(["2024-03-01T14:30:00+01:00"]),
        }
    )
    assert _failures(frame, ORDERS) == set()


def test_the_sample_csv_fails_on_its_three_bad_rows() -> None:
    document = tick("1.1.0")
    frame = pd.read_csv(SAMPLE_CSV, **pandas_read_options(document))
    assert _failures(frame, document) == {
        ("expect_column_values_to_be_in_set", "side", (3,)),
        ("expect_column_values_to_not_be_null", "symbol", (6,)),
        ("expect_column_values_to_not_be_null", "price", (9,)),
    }
    assert _failures(frame.drop(index=[3, 6, 9]), document) == set()


def test_pandas_read_options_follow_the_arrow_block() -> None:
    assert pandas_read_options(tick("1.1.0")) == {
        "dtype": {
            "symbol": "string",
            "price": "Float64",
            "size": "Int64",
            "side": "string",
            "exchange_id": "Int64",
        },
        "parse_dates": ["ts"],
    }


@pytest.mark.parametrize("ref", ["", "ticks v1", "../x", "ticks_v1@1.1", "ticks_v1@x/y"])
def test_bad_refs_are_refused(ref: str) -> None:
    with pytest.raises(ValueError, match="is not a schema reference"):
        parse_ref(ref)


@pytest.mark.asyncio
async def test_validate_dataframe_against_a_running_registry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = TestServer(create_app(secured(store_url="memory://")))
    async with TestClient(server, headers=bearer("admin")) as client:
        for version in ("1.0.0", "1.1.0"):
            response = await client.post("/schema/ticks_v1", json=tick(version))
            assert response.status == 201, await response.text()
        base = str(server.make_url("")).rstrip("/")
        monkeypatch.setenv("SCHEMA_REGISTRY_URL", base)
        registry = SchemaRegistryGEIntegration()
        assert registry.registry_url == base
        frame = pd.read_csv(SAMPLE_CSV, **pandas_read_options(tick("1.1.0")))
        # The integration blocks (urllib, GX): off the loop that serves the registry.
        pinned = await asyncio.to_thread(registry.validate_dataframe, frame, "ticks_v1@1.1.0")
        latest = await asyncio.to_thread(registry.validate_dataframe, frame, "ticks_v1")
        assert (pinned.schema_id, pinned.version) == ("ticks_v1", "1.1.0")
        assert latest.version == "1.1.0"
        for report in (pinned, latest):
            assert not report.success
            assert sorted((f.column, f.unexpected_indices) for f in report.failures) == [
                ("price", (9,)),
                ("side", (3,)),
                ("symbol", (6,)),
            ]
        # 1.0.0 has no exchange_id and is closed: the table check fails, with 1.1.0's failures.
        old = await asyncio.to_thread(registry.validate_dataframe, frame, "ticks_v1@1.0.0")
        assert "expect_table_columns_to_match_set" in {f.expectation_type for f in old.failures}

        with pytest.raises(SchemaFetchError, match="404") as missing:
            await asyncio.to_thread(registry.fetch_document, "nope_v1")
        assert (missing.value.status, missing.value.code) == (404, "schema_not_found")


@pytest.mark.asyncio
async def test_reads_that_need_a_token_send_it() -> None:
    server = TestServer(create_app(secured(store_url="memory://", require_auth_for_reads=True)))
    async with TestClient(server, headers=bearer("admin")) as client:
        response = await client.post("/schema/ticks_v1", json=tick("1.1.0"))
        assert response.status == 201, await response.text()
        base = str(server.make_url(""))
        anonymous = SchemaRegistryGEIntegration(base)
        with pytest.raises(SchemaFetchError) as refused:
            await asyncio.to_thread(anonymous.fetch_document, "ticks_v1")
        assert refused.value.status == 401
        token = bearer("reader")["Authorization"].removeprefix("Bearer ")
        reader = SchemaRegistryGEIntegration(base, token=token)
        document = await asyncio.to_thread(reader.fetch_document, "ticks_v1@latest")
        assert document["version"] == "1.1.0"


def test_an_unreachable_registry_is_a_fetch_error() -> None:
    registry = SchemaRegistryGEIntegration("http://127.0.0.1:9", timeout=2)
    with pytest.raises(SchemaFetchError, match="cannot reach the registry"):
        registry.fetch_document("ticks_v1")
    assert json.dumps(ORDERS)  # the fixture document is plain JSON
