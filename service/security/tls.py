"""The server's TLS context: a certificate and key, and optionally a CA that client
certificates must chain to (mutual TLS)."""

from __future__ import annotations

import ssl
from pathlib import Path


def server_context(cert: Path, key: Path, client_ca: Path | None = None) -> ssl.SSLContext:
    """TLS 1.2+ with the default ciphers; with `client_ca`, a handshake without a client
    certificate from that CA fails, before any HTTP is read."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile=cert, keyfile=key)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"cannot load the TLS certificate {cert} and key {key}: {exc}") from None
    if client_ca is not None:
        try:
            context.load_verify_locations(cafile=client_ca)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"cannot load the client CA {client_ca}: {exc}") from None
        context.verify_mode = ssl.CERT_REQUIRED
    return context
