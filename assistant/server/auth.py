"""Who is calling: the public, or a person holding an access token, and what they may do.

Four roles: the public (web chat), hotline agents (assist), caseworkers (console and
hand-offs) and admins (everything). Tokens are configured only as their SHA-256 digests
(:class:`assistant.settings.AccessToken`). An API client sends ``Authorization: Bearer
<token>``; the pages log in once and then carry a signed session cookie (HttpOnly,
SameSite=Lax) that names the token's digest, so removing a token from the settings ends
its sessions at once.

Every guarded route carries a :class:`RoleGuard` dependency; the route table can be read
back (:func:`route_table`) so tests check every route, including ones added later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts

from assistant.settings import AccessToken, ServiceRole

__all__ = [
    "ROLE_LABELS",
    "AccessRole",
    "LoginRequired",
    "Principal",
    "RoleGuard",
    "TokenBook",
    "hash_token",
    "new_token",
    "require",
    "route_table",
    "visitor_id",
]

AccessRole = Literal["public", "agent", "caseworker", "admin"]
ROLE_LABELS: dict[str, str] = {
    "public": "公众",
    "agent": "热线坐席",
    "caseworker": "人工服务专员",
    "admin": "管理员",
}
_SESSION_TOKEN = "token_sha256"
_SESSION_VISITOR = "visitor"


def hash_token(token: str) -> str:
    """The hex SHA-256 of a token, as configured in ``JIUYE_ACCESS_TOKENS``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token (192 bits)."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Principal:
    """The caller: a named token holder, or the public (``name`` None)."""

    role: AccessRole
    name: str | None = None
    digest: str | None = None

    def may(self, role: AccessRole) -> bool:
        """Admins may do everything; everyone else exactly their own role (and public)."""
        return role == "public" or self.role in (role, "admin")


PUBLIC = Principal("public")


class TokenBook:
    """The configured tokens by digest."""

    def __init__(self, tokens: Sequence[AccessToken]) -> None:
        self._by_digest = {token.sha256: token for token in tokens}

    def __len__(self) -> int:
        return len(self._by_digest)

    def find(self, digest: str) -> Principal | None:
        for known, token in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return Principal(token.role, token.name, known)
        return None

    def check(self, token: str) -> Principal | None:
        return self.find(hash_token(token)) if token else None

    def add(self, name: str, role: ServiceRole, token: str) -> None:
        """Adds a token at run time (the one-run admin token of ``jiuye serve``)."""
        digest = hash_token(token)
        self._by_digest[digest] = AccessToken(name=name, role=role, sha256=digest)


def _principal(request: Request) -> Principal:
    """Resolved once per request: a bearer token wins over the session cookie."""
    cached = request.scope.get("jiuye.principal")
    if isinstance(cached, Principal):
        return cached
    book: TokenBook = request.app.state.tokens
    principal: Principal | None = None
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if header and scheme.lower() == "bearer":
        principal = book.check(token.strip())
        if principal is None:
            raise _refused(401, "访问令牌无效或已停用")
    else:
        digest = request.session.get(_SESSION_TOKEN)
        if isinstance(digest, str):
            principal = book.find(digest)
            if principal is None:  # the token was removed: end the session
                request.session.pop(_SESSION_TOKEN, None)
    principal = principal or PUBLIC
    request.scope["jiuye.principal"] = principal
    return principal


def current_principal(request: Request) -> Principal:
    return _principal(request)


def log_in(request: Request, principal: Principal) -> None:
    request.session[_SESSION_TOKEN] = principal.digest


def log_out(request: Request) -> None:
    request.session.pop(_SESSION_TOKEN, None)


def visitor_id(request: Request) -> str:
    """The anonymous web visitor's id, kept in the session cookie (made on first use)."""
    visitor = request.session.get(_SESSION_VISITOR)
    if not isinstance(visitor, str):
        visitor = "v" + secrets.token_hex(8)
        request.session[_SESSION_VISITOR] = visitor
    return visitor


class LoginRequired(Exception):
    """A page needs a login: the app answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def _refused(status: int, message: str) -> Exception:
    from assistant.server.errors import ApiError

    code = "unauthorized" if status == 401 else "forbidden"
    return ApiError(status, code, message)


class RoleGuard:
    """A route dependency: the caller must hold ``role`` (pages redirect to the login)."""

    def __init__(self, role: AccessRole, *, page: bool = False) -> None:
        self.role = role
        self.page = page

    def __call__(self, request: Request) -> Principal:
        principal = _principal(request)
        if principal.may(self.role):
            return principal
        if principal.role == "public":
            if self.page:
                raise LoginRequired(request.url.path)
            raise _refused(401, f"需要登录：此功能仅限{ROLE_LABELS[self.role]}使用")
        raise _refused(403, f"权限不足：此功能仅限{ROLE_LABELS[self.role]}使用")


def require(role: AccessRole, *, page: bool = False) -> RoleGuard:
    return RoleGuard(role, page=page)


def route_table(app: FastAPI) -> list[tuple[str, str, AccessRole]]:
    """(method, path, role) for every HTTP route the app serves, routers included; the
    role is read from the route's guard ("public" when it has none)."""
    table: list[tuple[str, str, AccessRole]] = []
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None or not route.path:  # mounts (static files) are public
            continue
        guards = [d.call for d in dependant.dependencies if isinstance(d.call, RoleGuard)]
        role: AccessRole = guards[0].role if guards else "public"
        table.extend((method, route.path, role) for method in sorted(route.methods or ()))
    return table
