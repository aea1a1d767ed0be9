"""The access decision for one request: who is calling, whether their budget allows it now,
and whether their role grants what the route does. Pure: the API layer feeds it the header
and the client address, and turns a `Denied` into the response and the audit entry."""

from __future__ import annotations

from dataclasses import dataclass

from service.security.ratelimit import Budget, RateLimiter
from service.security.roles import ANONYMOUS, DEV, Access, Principal
from service.security.tokens import InvalidToken, TokenVerifier, UnknownRole

_BEARER = "bearer "


class Denied(Exception):
    """The request is refused; `audit` says whether the refusal belongs in the audit log."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        subject: str,
        role: str,
        audit: bool,
        retry_after: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.subject = subject
        self.role = role
        self.audit = audit
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class GuardConfig:
    """How strict the registry is: see `Settings` for the flags that fill it."""

    dev: bool
    verifier: TokenVerifier | None
    reads_need_token: bool
    read_budget: Budget
    write_budget: Budget


def role_name(principal: Principal) -> str:
    return "anonymous" if principal.role is None else str(principal.role)


class Guard:
    """One per app; holds the rate-limit buckets, so it lives as long as the process."""

    def __init__(self, config: GuardConfig) -> None:
        self.config = config
        self._reads = RateLimiter(config.read_budget)
        self._writes = RateLimiter(config.write_budget)

    @property
    def mode(self) -> str:
        """For /health and the startup log."""
        if self.config.dev:
            return "off (--dev: every caller is admin)"
        if self.config.verifier is None:
            return "jwt, no key configured: every write is refused"
        return f"jwt ({self.config.verifier.algorithm})"

    def anonymous_read(self, access: Access) -> bool:
        """Whether a request on a route of `access` without a token needs only `limit_read`: the
        cached-read path, which the endpoint takes without calling `admit` (DESIGN §10)."""
        return access is Access.OPEN or (access is Access.READ and not self.config.reads_need_token)

    @property
    def reads_limited(self) -> bool:
        return not self.config.read_budget.unlimited

    @property
    def read_buckets(self) -> dict[str, float] | None:
        """The anonymous read budget's buckets (`RateLimiter.buckets`); None when unlimited."""
        return self._reads.buckets if self.reads_limited else None

    def limit_read(self, client: str) -> None:
        """An anonymous read spends its address's read budget, or `Denied` 429."""
        if not self._reads.spend(client):
            self._limit(self._reads, client, ANONYMOUS, Access.READ)

    def refill(self, now: float | None = None) -> None:
        """Credit every bucket with the time since the last call (the app calls it every
        REFILL_INTERVAL seconds; see service/security/ratelimit.py)."""
        self._reads.refill(now)
        self._writes.refill(now)

    def admit(self, access: Access, authorization: str | None, client: str) -> Principal:
        """The principal the request runs as, or `Denied` (401, 403 or 429)."""
        if access is Access.OPEN:
            return ANONYMOUS
        if authorization is None and access is Access.READ and not self.config.reads_need_token:
            # The cached-read path: anonymous (DEV in --dev), limited by address, nothing else.
            principal = DEV if self.config.dev else ANONYMOUS
            self._limit(self._reads, client, principal, access)
            return principal
        principal, failure = self._identify(authorization)
        key = client if principal.anonymous else "sub:" + principal.subject
        self._limit(self._writes if access.writes else self._reads, key, principal, access)
        if failure is not None:
            raise failure
        if principal.anonymous:
            if access.writes or (access is Access.READ and self.config.reads_need_token):
                raise Denied(
                    401,
                    "unauthenticated",
                    "this request needs a bearer token (Authorization: Bearer <jwt>)",
                    subject=principal.subject,
                    role="anonymous",
                    audit=True,
                )
            return principal
        if not principal.may(access):
            raise Denied(
                403,
                "forbidden",
                f"role {role_name(principal)} may not {access.value} here",
                subject=principal.subject,
                role=role_name(principal),
                audit=True,
            )
        return principal

    @property
    def streams_need_token(self) -> bool:
        """Whether an anonymous WebSocket must authenticate in its first frame."""
        return self.config.reads_need_token and not self.config.dev

    def verify(self, token: str) -> Principal:
        """The principal of a bare token (the WebSocket's `auth` frame), or `Denied`."""
        if self.config.dev:
            return DEV
        verifier = self.config.verifier
        if verifier is None:
            raise _unauthenticated("this registry has no JWT key; it accepts no token")
        try:
            return verifier.verify(token)
        except InvalidToken as exc:
            raise _unauthenticated(str(exc)) from None
        except UnknownRole as exc:
            raise Denied(
                403, "forbidden", str(exc), subject=exc.subject, role="unknown", audit=True
            ) from None

    def _identify(self, authorization: str | None) -> tuple[Principal, Denied | None]:
        """The caller, and the refusal to raise once the rate limit has had its say."""
        if self.config.dev:
            return DEV, None
        if authorization is None:
            return ANONYMOUS, None
        if authorization[: len(_BEARER)].lower() != _BEARER:
            return ANONYMOUS, _unauthenticated("the Authorization header must be 'Bearer <jwt>'")
        try:
            return self.verify(authorization[len(_BEARER) :].strip()), None
        except Denied as denied:
            return ANONYMOUS, denied

    @staticmethod
    def _limit(limiter: RateLimiter, key: str, principal: Principal, access: Access) -> None:
        verdict = limiter.take(key)
        if verdict.retry_after:
            raise Denied(
                429,
                "rate_limited",
                f"too many {'writes' if access.writes else 'reads'}; retry after the delay "
                "in Retry-After",
                subject=principal.subject,
                role=role_name(principal),
                # A flood is one audit entry, not one per request: the log must not be the DoS.
                audit=access.writes and verdict.first_refusal,
                retry_after=verdict.retry_after,
            )


def _unauthenticated(message: str) -> Denied:
    return Denied(401, "invalid_token", message, subject="anonymous", role="anonymous", audit=True)
