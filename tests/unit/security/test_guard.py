"""The access decision: who is calling, whether their budget allows it, whether their role
grants what the route does. Tokens are signed with the test secret of `tests.auth`."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from service.security.guard import Denied, Guard, GuardConfig
from service.security.ratelimit import Budget
from service.security.roles import ANONYMOUS, DEV, Access, Principal, Role
from service.security.tokens import TokenVerifier
from tests.auth import JWT, SECRET, UNLIMITED, token

ADDRESS = "192.0.2.1"
OTHER_ADDRESS = "192.0.2.2"
# A token per 1000 s: nothing refills while a test runs.
TIGHT = Budget(rate=0.001, burst=2)


def guard(**overrides: Any) -> Guard:
    values: dict[str, Any] = {
        "dev": False,
        "verifier": TokenVerifier(JWT),
        "reads_need_token": False,
        "read_budget": UNLIMITED,
        "write_budget": UNLIMITED,
    }
    return Guard(GuardConfig(**{**values, **overrides}))


def bearer(role: str = "admin", sub: str = "tester") -> str:
    return f"Bearer {token(role, sub)}"


def denied(
    the_guard: Guard, access: Access, authorization: str | None, client: str = ADDRESS
) -> Denied:
    with pytest.raises(Denied) as caught:
        the_guard.admit(access, authorization, client)
    return caught.value


# Anonymous callers.


@pytest.mark.parametrize("access", [Access.OPEN, Access.READ, Access.STREAM])
def test_anonymous_reads_are_admitted(access: Access) -> None:
    assert guard().admit(access, None, ADDRESS) is ANONYMOUS


@pytest.mark.parametrize("access", [Access.PUBLISH, Access.ADMIN])
def test_anonymous_writes_are_unauthenticated(access: Access) -> None:
    refusal = denied(guard(), access, None)
    assert (refusal.status, refusal.code) == (401, "unauthenticated")
    assert (refusal.subject, refusal.role, refusal.audit) == ("anonymous", "anonymous", True)
    assert "Bearer" in refusal.message
    assert refusal.retry_after == 0


# Roles.


@pytest.mark.parametrize(
    ("role", "access", "admitted"),
    [
        ("reader", Access.OPEN, True),
        ("reader", Access.READ, True),
        ("reader", Access.STREAM, True),
        ("reader", Access.PUBLISH, False),
        ("reader", Access.ADMIN, False),
        ("ci-bot", Access.READ, True),
        ("ci-bot", Access.STREAM, True),
        ("ci-bot", Access.PUBLISH, True),
        ("ci-bot", Access.ADMIN, False),
        ("admin", Access.READ, True),
        ("admin", Access.STREAM, True),
        ("admin", Access.PUBLISH, True),
        ("admin", Access.ADMIN, True),
    ],
)
def test_roles_grant_what_the_design_says(role: str, access: Access, admitted: bool) -> None:
    the_guard = guard()
    if admitted:
        principal = the_guard.admit(access, bearer(role, "ci"), ADDRESS)
        # OPEN routes do not look at the token at all.
        expected = ANONYMOUS if access is Access.OPEN else Principal("ci", Role(role))
        assert principal == expected
    else:
        refusal = denied(the_guard, access, bearer(role, "ci"))
        assert (refusal.status, refusal.code, refusal.audit) == (403, "forbidden", True)
        assert (refusal.subject, refusal.role) == ("ci", role)
        assert f"role {role} may not {access.value}" in refusal.message


def test_a_token_with_an_unknown_role_is_forbidden() -> None:
    root = jwt.encode({"sub": "mallory", "role": "root", "exp": 2**40}, SECRET, algorithm="HS256")
    for access in (Access.READ, Access.PUBLISH):
        refusal = denied(guard(), access, f"Bearer {root}")
        assert (refusal.status, refusal.code, refusal.audit) == (403, "forbidden", True)
        assert (refusal.subject, refusal.role) == ("mallory", "unknown")


# Reads that need a token.


def test_require_auth_for_reads() -> None:
    strict = guard(reads_need_token=True)
    assert strict.streams_need_token
    refusal = denied(strict, Access.READ, None)
    assert (refusal.status, refusal.code, refusal.audit) == (401, "unauthenticated", True)
    # The WebSocket is admitted: its handler demands the token in the first frame.
    assert strict.admit(Access.STREAM, None, ADDRESS) is ANONYMOUS
    assert strict.admit(Access.OPEN, None, ADDRESS) is ANONYMOUS
    assert strict.admit(Access.READ, bearer("reader", "r"), ADDRESS) == Principal("r", Role.READER)
    assert not guard().streams_need_token


# Header forms.


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer\tx", "Token abc", "", "BearerX abc"],
)
@pytest.mark.parametrize("access", [Access.READ, Access.STREAM, Access.PUBLISH])
def test_a_malformed_authorization_header_is_refused(header: str, access: Access) -> None:
    refusal = denied(guard(), access, header)
    assert (refusal.status, refusal.code, refusal.audit) == (401, "invalid_token", True)
    assert (refusal.subject, refusal.role) == ("anonymous", "anonymous")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(scheme: str) -> None:
    header = f"{scheme} {token('ci-bot', 'ci')}"
    assert guard().admit(Access.PUBLISH, header, ADDRESS) == Principal("ci", Role.CI_BOT)


def test_spaces_around_the_token_are_ignored() -> None:
    header = f"Bearer   {token('ci-bot', 'ci')}  "
    assert guard().admit(Access.PUBLISH, header, ADDRESS) == Principal("ci", Role.CI_BOT)


def test_a_bad_token_is_refused_even_where_anonymous_reads_are_allowed() -> None:
    forged = jwt.encode(
        {"sub": "r", "role": "admin", "exp": 2**40}, "x" * 32 + "-not-the-secret", "HS256"
    )
    for header, reason in (
        ("Bearer garbage", "malformed"),
        (f"Bearer {forged}", "signature"),
        (f"Bearer {token('reader', 'r')[:-4]}AAAA", "signature"),
    ):
        # Not served as anonymous: the client must learn its token is bad.
        refusal = denied(guard(), Access.READ, header)
        assert (refusal.status, refusal.code, refusal.audit) == (401, "invalid_token", True)
        assert reason in refusal.message


def test_an_expired_token_is_refused() -> None:
    old = jwt.encode({"sub": "r", "role": "reader", "exp": 1000}, SECRET, algorithm="HS256")
    refusal = denied(guard(), Access.READ, f"Bearer {old}")
    assert (refusal.status, refusal.code) == (401, "invalid_token")
    assert "expired" in refusal.message


# Dev mode and no key.


@pytest.mark.parametrize("access", [a for a in Access if a is not Access.OPEN])
@pytest.mark.parametrize("header", [None, "Basic x", "Bearer garbage", "reader"])
@pytest.mark.parametrize("reads_need_token", [False, True])
def test_dev_mode_admits_everything_as_dev(
    access: Access, header: str | None, reads_need_token: bool
) -> None:
    dev = guard(dev=True, verifier=None, reads_need_token=reads_need_token)
    authorization = bearer("reader") if header == "reader" else header
    assert dev.admit(access, authorization, ADDRESS) is DEV
    assert dev.verify("anything") is DEV
    assert not dev.streams_need_token
    assert dev.mode.startswith("off")


def test_dev_mode_still_answers_open_routes_anonymously() -> None:
    assert guard(dev=True).admit(Access.OPEN, None, ADDRESS) is ANONYMOUS


def test_without_a_key_tokens_and_writes_are_refused() -> None:
    keyless = guard(verifier=None)
    assert keyless.mode == "jwt, no key configured: every write is refused"
    assert keyless.admit(Access.READ, None, ADDRESS) is ANONYMOUS
    assert keyless.admit(Access.STREAM, None, ADDRESS) is ANONYMOUS
    for access in (Access.READ, Access.PUBLISH, Access.ADMIN):
        refusal = denied(keyless, access, bearer("admin"))
        assert (refusal.status, refusal.code, refusal.audit) == (401, "invalid_token", True)
        assert "no JWT key" in refusal.message
    for access in (Access.PUBLISH, Access.ADMIN):
        refusal = denied(keyless, access, None)
        assert (refusal.status, refusal.code) == (401, "unauthenticated")
    with pytest.raises(Denied, match="no JWT key"):
        keyless.verify(token("admin"))


def test_verify_a_bare_token() -> None:
    """The WebSocket's `auth` frame."""
    assert guard().verify(token("reader", "ws")) == Principal("ws", Role.READER)
    assert guard().mode == "jwt (HS256)"
    with pytest.raises(Denied) as bad:
        guard().verify("nope")
    assert (bad.value.status, bad.value.code, bad.value.audit) == (401, "invalid_token", True)
    root = jwt.encode({"sub": "m", "role": "root", "exp": 2**40}, SECRET, algorithm="HS256")
    with pytest.raises(Denied) as unknown:
        guard().verify(root)
    assert (unknown.value.status, unknown.value.subject, unknown.value.role) == (
        403,
        "m",
        "unknown",
    )


# Rate limits.


def test_anonymous_reads_are_limited_by_client_address() -> None:
    limited = guard(read_budget=TIGHT)
    for _ in range(2):
        assert limited.admit(Access.READ, None, ADDRESS) is ANONYMOUS
    refusal = denied(limited, Access.READ, None)
    assert (refusal.status, refusal.code) == (429, "rate_limited")
    assert refusal.retry_after == pytest.approx(1000, rel=0.01)
    assert (refusal.subject, refusal.role) == ("anonymous", "anonymous")
    assert "reads" in refusal.message
    # Another address has a budget of its own; so has a token from the limited one.
    assert limited.admit(Access.READ, None, OTHER_ADDRESS) is ANONYMOUS
    assert limited.admit(Access.READ, bearer("reader", "r"), ADDRESS).role is Role.READER
    # Anonymous streams spend the same read budget as anonymous reads.
    assert denied(limited, Access.STREAM, None).status == 429


def test_authenticated_callers_are_limited_by_subject_across_addresses() -> None:
    limited = guard(write_budget=TIGHT)
    ci = bearer("ci-bot", "ci")
    assert limited.admit(Access.PUBLISH, ci, ADDRESS).subject == "ci"
    assert limited.admit(Access.PUBLISH, ci, OTHER_ADDRESS).subject == "ci"
    # A third address, a fresh token of the same subject: the same budget.
    refusal = denied(limited, Access.PUBLISH, bearer("ci-bot", "ci"), "198.51.100.7")
    assert (refusal.status, refusal.subject, refusal.role) == (429, "ci", "ci-bot")
    assert "writes" in refusal.message
    # Another subject from the same addresses is not limited by ci's budget.
    assert limited.admit(Access.PUBLISH, bearer("ci-bot", "other"), ADDRESS).subject == "other"
    # Nor are ci's reads: reads and writes have budgets of their own.
    assert limited.admit(Access.READ, ci, ADDRESS).subject == "ci"


def test_write_refusals_are_audited_once_per_run() -> None:
    limited = guard(write_budget=Budget(rate=0.001, burst=1))
    ci = bearer("ci-bot", "ci")
    limited.admit(Access.PUBLISH, ci, ADDRESS)
    audits = [denied(limited, Access.PUBLISH, ci).audit for _ in range(5)]
    assert audits == [True, False, False, False, False]
    refusal = denied(limited, Access.ADMIN, ci)
    assert refusal.status == 429
    assert refusal.retry_after > 0
    assert not refusal.audit


def test_read_refusals_are_never_audited() -> None:
    limited = guard(read_budget=Budget(rate=0.001, burst=1))
    limited.admit(Access.READ, None, ADDRESS)
    limited.admit(Access.READ, bearer("reader", "r"), ADDRESS)
    for header in (None, bearer("reader", "r")):
        refusals = [denied(limited, Access.READ, header) for _ in range(3)]
        assert [r.status for r in refusals] == [429] * 3
        assert not any(r.audit for r in refusals)
        assert all(r.retry_after > 0 for r in refusals)


def test_refused_callers_spend_the_budget_of_their_address() -> None:
    # Anonymous writes and bad tokens are limited before they are refused, by address (a
    # token that does not verify names nobody), so guessing is throttled too.
    limited = guard(write_budget=TIGHT, read_budget=TIGHT)
    assert denied(limited, Access.PUBLISH, None).status == 401
    assert denied(limited, Access.PUBLISH, "Bearer forged").status == 401
    refusal = denied(limited, Access.PUBLISH, None)
    assert (refusal.status, refusal.audit) == (429, True)
    assert denied(limited, Access.PUBLISH, bearer("reader", "r")).status == 403
    for _ in range(2):
        assert denied(limited, Access.READ, "Bearer forged").status == 401
    assert denied(limited, Access.READ, "Bearer forged").status == 429
    assert denied(limited, Access.READ, None).status == 429
    # Other addresses are unaffected.
    assert denied(limited, Access.PUBLISH, None, OTHER_ADDRESS).status == 401


def test_open_routes_are_never_limited() -> None:
    limited = guard(read_budget=Budget(rate=0.001, burst=1), write_budget=Budget(0.001, 1))
    for header in (None, bearer("reader"), "Basic x"):
        for _ in range(100):
            assert limited.admit(Access.OPEN, header, ADDRESS) is ANONYMOUS
    assert limited.admit(Access.READ, None, ADDRESS) is ANONYMOUS


def test_dev_mode_is_rate_limited_too() -> None:
    dev = guard(dev=True, read_budget=Budget(rate=0.001, burst=1))
    assert dev.admit(Access.READ, None, ADDRESS) is DEV
    refusal = denied(dev, Access.READ, None)
    assert (refusal.status, refusal.subject, refusal.role) == (429, "dev", "admin")
    assert dev.admit(Access.READ, None, OTHER_ADDRESS) is DEV
