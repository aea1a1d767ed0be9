"""`serve --tls-cert/--tls-key [--tls-client-ca]`: real HTTPS and mutual TLS on a loopback port,
with a throwaway PKI made by the `openssl` command line.

The PKI: a CA, a server certificate for 127.0.0.1 and a client certificate signed by it, and an
unrelated CA with a client certificate of its own.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.serve_process import ROOT, free_port, serve_command, server_env

# The openssl CLI is part of every Debian base (ca-certificates depends on it): required, not
# skipped; a machine without it fails here with the command that is missing.
assert shutil.which("openssl"), (
    "tests/api/test_tls.py needs the openssl CLI (apt-get install openssl)"
)

TLS_VERSIONS = [
    pytest.param(ssl.TLSVersion.TLSv1_2, id="tls1.2"),
    pytest.param(ssl.TLSVersion.TLSv1_3, id="tls1.3"),
]


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path
    other_client_cert: Path
    other_client_key: Path


def _openssl(directory: Path, *args: str) -> None:
    done = subprocess.run(
        ["openssl", *args], cwd=directory, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"openssl {' '.join(args)}:\n{done.stderr}"


_P256 = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")


def _ca(directory: Path, name: str) -> None:
    _openssl(
        directory, "req", "-x509", *_P256, "-keyout", f"{name}.key", "-out", f"{name}.pem",
        "-days", "2", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip


def _leaf(directory: Path, name: str, ca: str, extensions: str) -> None:
    """A key and a certificate for `name`, signed by the CA `ca`."""
    (directory / f"{name}.ext").write_text(
        f"basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n{extensions}\n"
    )
    _openssl(
        directory, "req", "-new", *_P256, "-keyout", f"{name}.key", "-out", f"{name}.csr",
        "-subj", f"/CN={name}",
    )  # fmt: skip
    _openssl(
        directory, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem",
        "-CAkey", f"{ca}.key", "-CAcreateserial", "-days", "2", "-sha256",
        "-extfile", f"{name}.ext", "-out", f"{name}.pem",
    )  # fmt: skip


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    _ca(directory, "ca")
    _leaf(directory, "server", "ca", "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1")
    _leaf(directory, "client", "ca", "extendedKeyUsage=clientAuth")
    _ca(directory, "other-ca")
    _leaf(directory, "other-client", "other-ca", "extendedKeyUsage=clientAuth")
    return Pki(
        ca=directory / "ca.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server.key",
        client_cert=directory / "client.pem",
        client_key=directory / "client.key",
        other_ca=directory / "other-ca.pem",
        other_client_cert=directory / "other-client.pem",
        other_client_key=directory / "other-client.key",
    )


def _client(
    trust: Path | None,
    cert: tuple[Path, Path] | None = None,
    version: ssl.TLSVersion | None = None,
) -> ssl.SSLContext:
    """A verifying client context: trusting `trust` (the system CAs when None), presenting
    `cert` (certificate, key) if given, speaking at most `version`."""
    context = ssl.create_default_context(cafile=str(trust) if trust is not None else None)
    if cert is not None:
        context.load_cert_chain(certfile=cert[0], keyfile=cert[1])
    if version is not None:
        context.maximum_version = version
    return context


def _get(port: int, path: str, context: ssl.SSLContext | None) -> tuple[int, Any]:
    """GET over HTTPS with `context`, or plain HTTP when None; the whole exchange, so that a
    refusal surfacing only on the first read (TLS 1.3) fails here too."""
    connection = (
        http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        if context is None
        else http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=context)
    )
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def _refused(port: int, path: str, context: ssl.SSLContext | None) -> BaseException:
    """The error of a request the server refuses: an end of stream during the handshake (TLS
    1.2), or with TLS 1.3, where the client finishes its handshake before the server checks its
    certificate, a closed connection on the first read; an alert would be an `ssl.SSLError`.
    Never an HTTP response, and never a timeout, which would mean a hung server."""
    with pytest.raises((OSError, http.client.HTTPException)) as caught:
        _get(port, path, context)
    assert not isinstance(caught.value, TimeoutError), caught.value
    return caught.value


@dataclass(frozen=True)
class Server:
    port: int
    log: Path


@contextlib.contextmanager
def _serving(directory: Path, ready: ssl.SSLContext, *tls: str) -> Iterator[Server]:
    """A ready HTTPS server (`ready` is how to reach it); stopped by PID, its exit status 0."""
    port = free_port()
    log_path = directory / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*serve_command(directory, port), *tls],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=server_env(),
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    if _get(port, "/health/ready", ready)[0] == 200:
                        break
                except (OSError, http.client.HTTPException, ValueError):
                    pass
                assert time.monotonic() < deadline, "the server did not become ready in time"
                time.sleep(0.1)
            yield Server(port, log_path)
        finally:
            process.terminate()
            try:
                returncode = process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise
    assert returncode == 0, log_path.read_text()


def _tls_flags(pki: Pki) -> list[str]:
    return ["--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)]


@pytest.fixture(scope="module")
def tls_server(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _serving(tmp_path_factory.mktemp("tls"), _client(pki.ca), *_tls_flags(pki)) as server:
        yield server


@pytest.fixture(scope="module")
def mtls_server(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    ready = _client(pki.ca, (pki.client_cert, pki.client_key))
    flags = [*_tls_flags(pki), "--tls-client-ca", str(pki.ca)]
    with _serving(tmp_path_factory.mktemp("mtls"), ready, *flags) as server:
        yield server


# TLS.


@pytest.mark.parametrize("version", TLS_VERSIONS)
def test_https_with_the_ca_trusted_reads_a_schema(
    pki: Pki, tls_server: Server, version: ssl.TLSVersion
) -> None:
    status, body = _get(tls_server.port, "/schema/ticks_v1", _client(pki.ca, version=version))
    assert status == 200
    assert body["version"] == "2.0.0"
    assert _get(tls_server.port, "/schema/nope", _client(pki.ca, version=version))[0] == 404


def test_a_client_certificate_is_not_needed_without_a_client_ca(
    pki: Pki, tls_server: Server
) -> None:
    context = _client(pki.ca, (pki.other_client_cert, pki.other_client_key))
    assert _get(tls_server.port, "/schema/ticks_v1", context)[0] == 200


def test_plain_http_to_the_tls_port_fails(tls_server: Server) -> None:
    refusal = _refused(tls_server.port, "/schema/ticks_v1", None)
    assert isinstance(refusal, ConnectionError | http.client.HTTPException), refusal


@pytest.mark.parametrize("trust", ["system", "other-ca"])
def test_a_client_that_does_not_trust_the_ca_fails_verification(
    pki: Pki, tls_server: Server, trust: str
) -> None:
    context = _client(None if trust == "system" else pki.other_ca)
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        _get(tls_server.port, "/schema/ticks_v1", context)


# Mutual TLS.


@pytest.mark.parametrize("version", TLS_VERSIONS)
def test_mtls_admits_a_certificate_from_the_client_ca(
    pki: Pki, mtls_server: Server, version: ssl.TLSVersion
) -> None:
    context = _client(pki.ca, (pki.client_cert, pki.client_key), version)
    status, body = _get(mtls_server.port, "/schema/ticks_v1", context)
    assert status == 200
    assert body["version"] == "2.0.0"


@pytest.mark.parametrize("version", TLS_VERSIONS)
def test_mtls_refuses_a_client_without_a_certificate(
    pki: Pki, mtls_server: Server, version: ssl.TLSVersion
) -> None:
    _refused(mtls_server.port, "/schema/ticks_v1", _client(pki.ca, version=version))
    # Open routes are no exception: the refusal is the handshake's, before any HTTP.
    _refused(mtls_server.port, "/health", _client(pki.ca, version=version))


@pytest.mark.parametrize("version", TLS_VERSIONS)
def test_mtls_refuses_a_certificate_from_another_ca(
    pki: Pki, mtls_server: Server, version: ssl.TLSVersion
) -> None:
    context = _client(pki.ca, (pki.other_client_cert, pki.other_client_key), version)
    _refused(mtls_server.port, "/schema/ticks_v1", context)


def test_mtls_refusals_leave_the_server_serving(pki: Pki, mtls_server: Server) -> None:
    for _ in range(3):
        _refused(mtls_server.port, "/schema/ticks_v1", _client(pki.ca))
        _refused(mtls_server.port, "/schema/ticks_v1", None)
    context = _client(pki.ca, (pki.client_cert, pki.client_key))
    assert _get(mtls_server.port, "/schema/ticks_v1", context)[0] == 200


def test_the_server_logs_its_https_url(tls_server: Server) -> None:
    assert f"serving on https://127.0.0.1:{tls_server.port}" in tls_server.log.read_text()
