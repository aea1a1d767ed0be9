"""Bearer-token verification and minting: the round trips, and every refusal with its reason."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from service.security.roles import Principal, Role
from service.security.tokens import (
    MAX_TOKEN_LENGTH,
    InvalidToken,
    JwtConfig,
    TokenVerifier,
    UnknownRole,
    mint,
)
from tests.auth import SECRET

KEY = SECRET.encode()
OTHER_KEY = b"another-secret-that-is-32-bytes-long-too"


class KeyPair:
    """A private key as PEM (to mint with) and its public half as PEM (to verify with)."""

    def __init__(self, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> None:
        self.private = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        self.public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def rsa_pair() -> KeyPair:
    return KeyPair(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def other_rsa_pair() -> KeyPair:
    return KeyPair(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def ec_pair() -> KeyPair:
    return KeyPair(ec.generate_private_key(ec.SECP256R1()))


def hs256(**config: Any) -> TokenVerifier:
    return TokenVerifier(JwtConfig(secret=KEY, **config))


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid claims for an hour, with `overrides`; an override of None drops the claim."""
    values: dict[str, Any] = {"sub": "alice", "role": "reader", "exp": int(time.time()) + 3600}
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def signed(payload: dict[str, Any], key: bytes = KEY) -> str:
    """An HS256 token over arbitrary claims (mint only makes well-formed ones)."""
    return jwt.encode(payload, key, algorithm="HS256")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def crafted(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    """A token assembled by hand, for what no JWT library will sign."""
    return ".".join(
        (b64url(json.dumps(header).encode()), b64url(json.dumps(payload).encode()), "")
    ) + b64url(signature)


def refusal(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        verifier.verify(token)
    return str(caught.value)


# Round trips.


@pytest.mark.parametrize("role", list(Role))
def test_hs256_round_trip(role: Role) -> None:
    token = mint(subject="ci", role=role, ttl=60, secret=KEY)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert hs256().verify(token) == Principal("ci", role)
    assert hs256().algorithm == "HS256"


def test_minted_claims() -> None:
    token = mint(subject="ci", role=Role.CI_BOT, ttl=90, secret=KEY, now=1_000_000.7)
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["sub"] == "ci"
    assert payload["role"] == "ci-bot"
    assert payload["iat"] == payload["nbf"] == 1_000_000
    assert payload["exp"] == 1_000_090
    assert len(payload["jti"]) == 16
    again = mint(subject="ci", role=Role.CI_BOT, ttl=90, secret=KEY, now=1_000_000.7)
    assert payload["jti"] != jwt.decode(again, options={"verify_signature": False})["jti"]


def test_rs256_round_trip(rsa_pair: KeyPair) -> None:
    token = mint(subject="deploy", role=Role.ADMIN, ttl=60, private_key=rsa_pair.private)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    verifier = TokenVerifier(JwtConfig(public_key=rsa_pair.public))
    assert verifier.algorithm == "RS256"
    assert verifier.verify(token) == Principal("deploy", Role.ADMIN)


def test_es256_round_trip(ec_pair: KeyPair) -> None:
    token = mint(subject="bot", role=Role.CI_BOT, ttl=60, private_key=ec_pair.private)
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    verifier = TokenVerifier(JwtConfig(public_key=ec_pair.public))
    assert verifier.algorithm == "ES256"
    assert verifier.verify(token) == Principal("bot", Role.CI_BOT)


def test_issuer_and_audience_round_trip() -> None:
    verifier = hs256(issuer="https://idp.example", audience="schema-registry")
    token = mint(
        subject="ci",
        role=Role.CI_BOT,
        ttl=60,
        secret=KEY,
        issuer="https://idp.example",
        audience="schema-registry",
    )
    assert verifier.verify(token) == Principal("ci", Role.CI_BOT)
    # An audience list that names this registry is accepted too.
    listed = signed(claims(iss="https://idp.example", aud=["other", "schema-registry"]))
    assert verifier.verify(listed) == Principal("alice", Role.READER)


# Time claims.


def test_an_expired_token_is_refused() -> None:
    token = mint(subject="ci", role=Role.ADMIN, ttl=3600, secret=KEY, now=time.time() - 3660)
    assert refusal(hs256(), token) == "the token has expired"


def test_a_token_expired_within_the_leeway_is_accepted() -> None:
    token = mint(subject="ci", role=Role.ADMIN, ttl=3600, secret=KEY, now=time.time() - 3610)
    assert hs256().verify(token) == Principal("ci", Role.ADMIN)
    # Without leeway the same token is refused.
    assert refusal(hs256(leeway=0), token) == "the token has expired"


def test_a_token_not_valid_yet_is_refused() -> None:
    token = mint(subject="ci", role=Role.ADMIN, ttl=3600, secret=KEY, now=time.time() + 120)
    assert "not valid yet" in refusal(hs256(), token)
    # A clock a few seconds ahead is within the leeway.
    ahead = mint(subject="ci", role=Role.ADMIN, ttl=3600, secret=KEY, now=time.time() + 10)
    assert hs256().verify(ahead) == Principal("ci", Role.ADMIN)


def test_an_nbf_alone_in_the_future_is_refused() -> None:
    token = signed(claims(nbf=int(time.time()) + 600))
    assert "not valid yet" in refusal(hs256(), token)


# Issuer and audience.


def test_a_wrong_issuer_is_refused() -> None:
    verifier = hs256(issuer="https://idp.example")
    assert refusal(verifier, signed(claims(iss="https://evil.example"))) == (
        "the token's issuer is not trusted"
    )
    assert "iss" in refusal(verifier, signed(claims()))


def test_a_wrong_audience_is_refused() -> None:
    verifier = hs256(audience="schema-registry")
    assert refusal(verifier, signed(claims(aud="billing"))) == (
        "the token's audience is not this registry"
    )
    assert "aud" in refusal(verifier, signed(claims()))


def test_a_token_with_an_audience_is_refused_when_none_is_configured() -> None:
    # A token minted for another service must not be replayable here.
    assert refusal(hs256(), signed(claims(aud="billing"))) == (
        "the token's audience is not this registry"
    )


# Claims.


@pytest.mark.parametrize("claim", ["exp", "sub", "role"])
def test_a_token_without_a_required_claim_is_refused(claim: str) -> None:
    message = refusal(hs256(), signed(claims(**{claim: None})))
    assert message.startswith("the token lacks a required claim")
    assert claim in message


@pytest.mark.parametrize("subject", ["", "x" * 201])
def test_a_subject_out_of_bounds_is_refused(subject: str) -> None:
    assert "sub claim" in refusal(hs256(), signed(claims(sub=subject)))


def test_a_subject_that_is_no_string_is_refused() -> None:
    refusal(hs256(), signed(claims(sub=42)))


def test_an_exp_that_is_no_number_is_refused() -> None:
    assert refusal(hs256(), signed(claims(exp="tomorrow"))) == "the token is malformed"


def test_an_unknown_role_proves_who_but_not_what() -> None:
    with pytest.raises(UnknownRole) as caught:
        hs256().verify(signed(claims(sub="mallory", role="root")))
    assert caught.value.subject == "mallory"
    assert "'root'" in str(caught.value)
    assert "reader, ci-bot, admin" in str(caught.value)


@pytest.mark.parametrize("role", [7, True, ["admin"], {"name": "admin"}, "Admin", "x" * 1000])
def test_a_role_that_is_no_role_name_is_unknown(role: Any) -> None:
    with pytest.raises(UnknownRole) as caught:
        hs256().verify(signed(claims(role=role)))
    # The message quotes at most 40 characters of whatever the claim held.
    assert len(str(caught.value)) < 120


# Algorithms and signatures.


def test_alg_none_is_refused(rsa_pair: KeyPair) -> None:
    token = crafted({"alg": "none", "typ": "JWT"}, claims(role="admin"))
    assert token.endswith(".")
    assert refusal(hs256(), token) == "the token's algorithm is not allowed"
    rs256 = TokenVerifier(JwtConfig(public_key=rsa_pair.public))
    assert refusal(rs256, token) == "the token's algorithm is not allowed"
    # Spelled otherwise, or with a signature, it is no better.
    for header in ({"alg": "None"}, {"alg": "NONE", "typ": "JWT"}, {"typ": "JWT"}):
        assert "algorithm" in refusal(hs256(), crafted(header, claims(role="admin")))
    signed_none = crafted({"alg": "none"}, claims(role="admin"), b"sig")
    assert "algorithm" in refusal(hs256(), signed_none)


def test_hs256_signed_with_the_public_key_is_refused(rsa_pair: KeyPair) -> None:
    """Algorithm confusion: a verifier that took the algorithm from the token would check this
    HMAC with the RSA public key's PEM bytes as the secret, and it would verify."""
    header = {"alg": "HS256", "typ": "JWT"}
    payload = claims(sub="mallory", role="admin")
    unsigned = crafted(header, payload)[:-1].encode()
    for secret in (rsa_pair.public, rsa_pair.public.strip()):
        signature = hmac.new(secret, unsigned, hashlib.sha256).digest()
        token = unsigned.decode() + "." + b64url(signature)
        verifier = TokenVerifier(JwtConfig(public_key=rsa_pair.public))
        assert refusal(verifier, token) == "the token's algorithm is not allowed"


def test_a_token_for_another_algorithm_is_refused(rsa_pair: KeyPair, ec_pair: KeyPair) -> None:
    es256 = mint(subject="x", role=Role.ADMIN, ttl=60, private_key=ec_pair.private)
    rs256 = mint(subject="x", role=Role.ADMIN, ttl=60, private_key=rsa_pair.private)
    hs = mint(subject="x", role=Role.ADMIN, ttl=60, secret=KEY)
    rsa_verifier = TokenVerifier(JwtConfig(public_key=rsa_pair.public))
    ec_verifier = TokenVerifier(JwtConfig(public_key=ec_pair.public))
    not_allowed = "the token's algorithm is not allowed"
    assert refusal(rsa_verifier, es256) == not_allowed
    assert refusal(rsa_verifier, hs) == not_allowed
    assert refusal(ec_verifier, rs256) == not_allowed
    assert refusal(hs256(), rs256) == not_allowed


def test_a_signature_by_another_key_is_refused(rsa_pair: KeyPair, other_rsa_pair: KeyPair) -> None:
    does_not_verify = "the token's signature does not verify"
    forged = mint(subject="x", role=Role.ADMIN, ttl=60, secret=OTHER_KEY)
    assert refusal(hs256(), forged) == does_not_verify
    other = mint(subject="x", role=Role.ADMIN, ttl=60, private_key=other_rsa_pair.private)
    assert refusal(TokenVerifier(JwtConfig(public_key=rsa_pair.public)), other) == does_not_verify


def test_a_payload_changed_after_signing_is_refused() -> None:
    token = mint(subject="alice", role=Role.READER, ttl=60, secret=KEY)
    header, _, signature = token.split(".")
    escalated = b64url(json.dumps(claims(role="admin")).encode())
    assert refusal(hs256(), f"{header}.{escalated}.{signature}") == (
        "the token's signature does not verify"
    )


MALFORMED = "the token is malformed"


@pytest.mark.parametrize(
    ("garbage", "reason"),
    [
        ("", MALFORMED),
        ("not-a-token", MALFORMED),
        ("a.b.c", MALFORMED),
        ("a.b", MALFORMED),
        ("....", MALFORMED),
        ("eyJhbGciOiJIUzI1NiJ9", MALFORMED),
        ("eyJhbGciOiJIUzI1NiJ9.e30", MALFORMED),
        ("eyJhbGciOiJIUzI1NiJ9.!!!.abc", MALFORMED),
        ("\x00\xff.\u2603.x", MALFORMED),
        # A header that is no JSON object.
        (b64url(b"[1, 2]") + "." + b64url(b"{}") + ".", MALFORMED),
        # A well-formed header: the missing signature is found before the odd payload.
        (
            b64url(b'{"alg": "HS256"}') + "." + b64url(b"[]") + ".",
            "the token's signature does not verify",
        ),
    ],
)
def test_garbage_is_refused(garbage: str, reason: str) -> None:
    assert refusal(hs256(), garbage) == reason


def test_a_token_over_the_length_limit_is_refused_unread() -> None:
    padded = signed(claims(padding="p" * MAX_TOKEN_LENGTH))
    assert len(padded) > MAX_TOKEN_LENGTH
    assert refusal(hs256(), padded) == f"the token is longer than {MAX_TOKEN_LENGTH} characters"
    # Just under the limit it is read.
    size = MAX_TOKEN_LENGTH
    while len(fits := signed(claims(padding="p" * size))) > MAX_TOKEN_LENGTH:
        size -= 1
    assert len(fits) > MAX_TOKEN_LENGTH - 4
    assert hs256().verify(fits) == Principal("alice", Role.READER)


def test_refusals_do_not_echo_the_token() -> None:
    token = signed(claims(sub="secret-subject", exp=1))
    assert "secret-subject" not in refusal(hs256(), token)
    assert token not in refusal(hs256(), token[:-3] + "AAA")


# Configuration.


def test_jwt_config_refusals() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        JwtConfig(secret=b"x" * 31)
    with pytest.raises(ValueError, match="not both"):
        JwtConfig(secret=KEY, public_key=b"-----BEGIN PUBLIC KEY-----")
    for leeway in (-1.0, 300.5, math.nan, math.inf):
        with pytest.raises(ValueError, match="leeway"):
            JwtConfig(secret=KEY, leeway=leeway)
    assert JwtConfig(secret=b"x" * 32, leeway=300).configured
    assert not JwtConfig().configured
    with pytest.raises(ValueError, match="no JWT key"):
        TokenVerifier(JwtConfig())
    assert SECRET not in repr(JwtConfig(secret=KEY))


def test_public_keys_that_are_no_usable_pem_are_refused(rsa_pair: KeyPair) -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    p384 = ec.generate_private_key(ec.SECP384R1())
    edwards = ed25519.Ed25519PrivateKey.generate()
    refused = {
        b"not a pem": "not a PEM public key",
        b"": "not a PEM public key",
        rsa_pair.private: "not a PEM public key",
        KeyPair(small).public: "shorter than 2048 bits",
        KeyPair(p384).public: "must be RSA",
        edwards.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo): (
            "must be RSA"
        ),
    }
    for pem, message in refused.items():
        with pytest.raises(ValueError, match=message):
            TokenVerifier(JwtConfig(public_key=pem))


def test_mint_refusals(ec_pair: KeyPair) -> None:
    with pytest.raises(ValueError, match="lifetime"):
        mint(subject="x", role=Role.ADMIN, ttl=0, secret=KEY)
    for subject in ("", "x" * 201):
        with pytest.raises(ValueError, match="subject"):
            mint(subject=subject, role=Role.ADMIN, ttl=60, secret=KEY)
    with pytest.raises(ValueError, match="32 bytes"):
        mint(subject="x", role=Role.ADMIN, ttl=60, secret=b"short")
    with pytest.raises(ValueError, match="needs a JWT secret or a JWT private key"):
        mint(subject="x", role=Role.ADMIN, ttl=60)
    with pytest.raises(ValueError, match="unencrypted PEM"):
        mint(subject="x", role=Role.ADMIN, ttl=60, private_key=ec_pair.public)
    p384 = ec.generate_private_key(ec.SECP384R1())
    pem = p384.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(ValueError, match="must be RSA"):
        mint(subject="x", role=Role.ADMIN, ttl=60, private_key=pem)
