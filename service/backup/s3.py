"""The backup bucket: put, list, read and delete objects on S3 (or any S3-compatible server).

Credentials and region come from the standard AWS chain (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_DEFAULT_REGION, profiles, instance or pod roles).
Every botocore failure leaves this module as `S3Error` with a one-line message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import aioboto3
from aiobotocore.config import AioConfig
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import ObjectIdentifierTypeDef

# An unreachable endpoint must fail in seconds, not after botocore's default 60 s timeouts and
# five attempts: a CronJob that hangs reports nothing.
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 60.0
MAX_ATTEMPTS = 2
# Objects larger than this are refused by `get`: restore reads the logical archive into memory.
MAX_GET = 1 << 30


class S3Error(Exception):
    """The bucket cannot be reached or refused the request."""


class ObjectNotFound(S3Error):
    """No object under that key."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int


@dataclass(frozen=True, slots=True)
class StoredObject:
    data: bytes
    metadata: dict[str, str]


def _config() -> AioConfig:
    return AioConfig(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
    )


def _error(action: str, where: str, exc: Exception) -> S3Error:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "?")
        if code in ("NoSuchKey", "404", "NotFound"):
            return ObjectNotFound(f"{where}: no such object")
        return S3Error(f"{action} {where}: {code}: {error.get('Message', '')}".rstrip(": "))
    return S3Error(f"{action} {where}: {exc}")


class Bucket:
    """One bucket through one client; use `open_bucket` to get one."""

    def __init__(self, client: S3Client, name: str) -> None:
        self._client = client
        self.name = name

    def _where(self, key: str = "") -> str:
        return f"s3://{self.name}/{key}"

    async def put(self, key: str, data: bytes, metadata: Mapping[str, str]) -> None:
        try:
            await self._client.put_object(
                Bucket=self.name, Key=key, Body=data, Metadata=dict(metadata)
            )
        except (BotoCoreError, ClientError) as exc:
            raise _error("upload to", self._where(key), exc) from None

    async def put_file(self, key: str, path: Path, metadata: Mapping[str, str]) -> None:
        """Upload a file (multipart when large) without reading it on the event loop."""
        try:
            await self._client.upload_file(
                str(path), self.name, key, ExtraArgs={"Metadata": dict(metadata)}
            )
        except (BotoCoreError, ClientError) as exc:
            raise _error("upload to", self._where(key), exc) from None

    async def list(self, prefix: str) -> list[ObjectInfo]:
        """Every object whose key starts with `prefix`, by key."""
        found: list[ObjectInfo] = []
        try:
            paginator = self._client.get_paginator("list_objects_v2")
            async for page in paginator.paginate(Bucket=self.name, Prefix=prefix):
                found.extend(
                    ObjectInfo(item["Key"], int(item.get("Size", 0)))
                    for item in page.get("Contents", [])
                    if "Key" in item
                )
        except (BotoCoreError, ClientError) as exc:
            raise _error("list", self._where(prefix), exc) from None
        return sorted(found, key=lambda info: info.key)

    async def metadata(self, key: str) -> dict[str, str]:
        """The object's user metadata (keys lower-case, without `x-amz-meta-`)."""
        try:
            head = await self._client.head_object(Bucket=self.name, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise _error("read", self._where(key), exc) from None
        return dict(head.get("Metadata", {}))

    async def get(self, key: str) -> StoredObject:
        try:
            answer = await self._client.get_object(Bucket=self.name, Key=key)
            if answer.get("ContentLength", 0) > MAX_GET:
                raise S3Error(f"{self._where(key)} is larger than {MAX_GET} bytes")
            async with answer["Body"] as body:
                data = await body.read()
        except (BotoCoreError, ClientError) as exc:
            raise _error("download", self._where(key), exc) from None
        return StoredObject(data, dict(answer.get("Metadata", {})))

    async def delete(self, keys: Sequence[str]) -> None:
        # DeleteObjects takes at most 1000 keys per call.
        for start in range(0, len(keys), 1000):
            batch: list[ObjectIdentifierTypeDef] = [
                {"Key": key} for key in keys[start : start + 1000]
            ]
            try:
                answer = await self._client.delete_objects(
                    Bucket=self.name, Delete={"Objects": batch, "Quiet": True}
                )
            except (BotoCoreError, ClientError) as exc:
                raise _error("delete from", self._where(), exc) from None
            errors = answer.get("Errors", [])
            if errors:
                first = errors[0]
                raise S3Error(
                    f"delete {self._where(first.get('Key', '?'))}: "
                    f"{first.get('Code', '?')}: {first.get('Message', '')} "
                    f"({len(errors)} objects not deleted)"
                )


@asynccontextmanager
async def open_bucket(name: str, endpoint_url: str | None = None) -> AsyncIterator[Bucket]:
    """A `Bucket` on a client that is closed on exit; `endpoint_url` for non-AWS servers."""
    session = aioboto3.Session()
    async with AsyncExitStack() as stack:
        try:
            client = await stack.enter_async_context(
                session.client("s3", endpoint_url=endpoint_url, config=_config())
            )
        except (BotoCoreError, ClientError, ValueError) as exc:
            raise S3Error(f"cannot set up an S3 client: {exc}") from None
        yield Bucket(client, name)
