"""JWT bearer tokens: verification against one configured key, and minting for operators.

The algorithm allow-list comes from the key, never from the token: a shared secret allows HS256
only, an RSA public key RS256 only, a P-256 public key ES256 only. So a token whose header says
`none`, or HS256 signed with the (public) RSA key as the HMAC secret, is refused before its
signature is looked at.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from service.security.roles import Principal, Role

# RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
MIN_SECRET_BYTES = 32
# Clock skew tolerated on exp and nbf between the minting host and this one.
DEFAULT_LEEWAY = 30.0
# Claims every token must carry: exp bounds a leaked token's life, sub names who acted in the
# audit log, role says what it may do.
REQUIRED_CLAIMS = ("exp", "sub", "role")
# A token is a few hundred bytes; refusing huge ones keeps base64 and JSON work bounded.
MAX_TOKEN_LENGTH = 4096


class InvalidToken(Exception):
    """The token cannot be trusted (401); the message is safe to show the client."""


class UnknownRole(Exception):
    """A valid token whose role claim names no role (403): it proves who, not what."""

    def __init__(self, subject: str, role: object) -> None:
        super().__init__(f"role {str(role)[:40]!r} is not one of {', '.join(Role)}")
        self.subject = subject


@dataclass(frozen=True, slots=True)
class JwtConfig:
    """Where tokens are checked: a shared secret (HS256) or a PEM public key (RS256/ES256)."""

    secret: bytes | None = field(default=None, repr=False)
    public_key: bytes | None = None
    issuer: str | None = None
    audience: str | None = None
    leeway: float = DEFAULT_LEEWAY

    def __post_init__(self) -> None:
        if self.secret is not None and self.public_key is not None:
            raise ValueError("configure a JWT secret or a JWT public key, not both")
        if self.secret is not None and len(self.secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes")
        if not 0 <= self.leeway <= 300:
            raise ValueError("the JWT leeway must be 0 to 300 seconds")

    @property
    def configured(self) -> bool:
        return self.secret is not None or self.public_key is not None


def _public_algorithm(pem: bytes) -> tuple[Any, str]:
    try:
        key = load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"the JWT public key is not a PEM public key: {exc}") from None
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise ValueError("the JWT public key is RSA shorter than 2048 bits")
        return key, "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key, "ES256"
    raise ValueError("the JWT public key must be RSA (RS256) or EC P-256 (ES256)")


class TokenVerifier:
    """Checks bearer tokens against one key; built once at startup."""

    def __init__(self, config: JwtConfig) -> None:
        if config.secret is not None:
            self._key: Any = config.secret
            self.algorithm = "HS256"
        elif config.public_key is not None:
            self._key, self.algorithm = _public_algorithm(config.public_key)
        else:
            raise ValueError("no JWT key configured")
        self._config = config

    def verify(self, token: str) -> Principal:
        """The principal a valid token names; `InvalidToken` or `UnknownRole` otherwise."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken(f"the token is longer than {MAX_TOKEN_LENGTH} characters")
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[self.algorithm],
                issuer=self._config.issuer,
                audience=self._config.audience,
                leeway=self._config.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(_reason(exc)) from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject or len(subject) > 200:
            raise InvalidToken("the sub claim must be a string of 1 to 200 characters")
        try:
            role = Role(claims["role"])
        except (ValueError, TypeError):
            raise UnknownRole(subject, claims["role"]) from None
        return Principal(subject, role)


def _reason(exc: jwt.PyJWTError) -> str:
    """What went wrong, in words a client can act on, without echoing the token."""
    reasons: Mapping[type[jwt.PyJWTError], str] = {
        jwt.ExpiredSignatureError: "the token has expired",
        jwt.ImmatureSignatureError: "the token is not valid yet (nbf or iat in the future)",
        jwt.InvalidAudienceError: "the token's audience is not this registry",
        jwt.InvalidIssuerError: "the token's issuer is not trusted",
        jwt.MissingRequiredClaimError: f"the token lacks a required claim ({exc})",
        jwt.InvalidAlgorithmError: "the token's algorithm is not allowed",
        jwt.InvalidSignatureError: "the token's signature does not verify",
    }
    for kind, reason in reasons.items():
        if isinstance(exc, kind):
            return reason
    return "the token is malformed"


def _signing_key(secret: bytes | None, private_key: bytes | None) -> tuple[Any, str]:
    if secret is not None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes")
        return secret, "HS256"
    if private_key is None:
        raise ValueError("minting needs a JWT secret or a JWT private key")
    try:
        key = load_pem_private_key(private_key, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"the JWT private key is not an unencrypted PEM key: {exc}") from None
    if isinstance(key, rsa.RSAPrivateKey):
        return key, "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key, "ES256"
    raise ValueError("the JWT private key must be RSA (RS256) or EC P-256 (ES256)")


def mint(
    *,
    subject: str,
    role: Role,
    ttl: float,
    secret: bytes | None = None,
    private_key: bytes | None = None,
    issuer: str | None = None,
    audience: str | None = None,
    now: float | None = None,
) -> str:
    """A signed token for `subject` with `role`, valid for `ttl` seconds from `now`."""
    if ttl <= 0:
        raise ValueError("the token lifetime must be positive")
    if not subject or len(subject) > 200:
        raise ValueError("the subject must be 1 to 200 characters")
    key, algorithm = _signing_key(secret, private_key)
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "sub": subject,
        "role": str(role),
        "iat": issued,
        "nbf": issued,
        "exp": issued + int(ttl),
        # A unique id lets an operator tell two tokens of one subject apart in logs.
        "jti": secrets.token_hex(8),
    }
    if issuer is not None:
        claims["iss"] = issuer
    if audience is not None:
        claims["aud"] = audience
    return jwt.encode(claims, key, algorithm=algorithm)
