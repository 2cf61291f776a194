"""The HTTP face of authentication: /api/auth/config, signup, token (password and refresh), logout, me.

See docs/auth.md. Only `config` and `me` exist in every mode; the account routes need CALLEDIT_AUTH=local.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from calledit.auth.errors import AuthError
from calledit.auth.local import MAX_PASSWORD, LocalAuth, TokenPair
from calledit.server.proxies import client_ip
from calledit.server.state import CurrentPrincipal, StateDep, bearer_token

router = APIRouter(prefix="/api/auth", tags=["auth"])

Username = Annotated[str, Field(min_length=1, max_length=64, examples=["alice"])]
Password = Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD)]
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, wrong or expired credentials"},
    429: {"description": "Too many attempts from this address, or wrong passwords for this account (see Retry-After)"},
}


class SignupBody(BaseModel):
    username: Username
    password: Password


class TokenBody(BaseModel):
    """`password` grant: username + password. `refresh_token` grant: a refresh token, spent on use."""

    grant_type: Literal["password", "refresh_token"] = "password"
    username: Username | None = None
    password: Password | None = None
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)] | None = None


class LogoutBody(BaseModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)] | None = None
    everywhere: bool = Field(default=False, description="Sign out every session of this user")


class UserPublic(BaseModel):
    id: str
    username: str | None = None


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds the access token is valid")
    refresh_token: str
    refresh_expires_in: int
    user: UserPublic


class Me(BaseModel):
    id: str
    username: str | None = None
    mode: str
    expires_at: int | None = Field(default=None, description="when the access token expires (epoch s)")


def _tokens(pair: TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
        user=UserPublic(id=pair.user.id, username=pair.user.username),
    )


def _local(state: StateDep) -> LocalAuth:
    if state.auth.local is None:
        where = "your identity provider" if state.auth.mode == "oidc" else "nothing (CALLEDIT_AUTH=none)"
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"Accounts are managed by {where} here: this route needs CALLEDIT_AUTH=local.",
        )
    return state.auth.local


@router.get("/config")
async def auth_config(state: StateDep) -> dict[str, Any]:
    """How to sign in: `mode` is none | local | oidc, plus what that mode needs (never a secret)."""
    config = state.auth.public_config()
    if state.auth.local is not None:
        config["signup"] = state.settings.signup
    return config


@router.post("/signup", status_code=status.HTTP_201_CREATED, response_model=TokenResponse,
             responses={**AUTH_ERRORS, 400: {"description": "Bad or taken username, weak password"}})
async def signup(body: SignupBody, request: Request, state: StateDep) -> TokenResponse:
    """Create an account and sign in (CALLEDIT_AUTH=local, unless CALLEDIT_SIGNUP=false)."""
    local = _local(state)
    if not state.settings.signup:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Sign-up is closed here: ask the operator for an account.")
    state.limits.auth_attempt(client_ip(request))
    return _tokens(await run_in_threadpool(local.signup, body.username, body.password))


@router.post("/token", response_model=TokenResponse, responses=AUTH_ERRORS)
async def token(body: TokenBody, request: Request, state: StateDep) -> TokenResponse:
    """Sign in (`grant_type: password`) or swap a refresh token for a new pair (`refresh_token`)."""
    local = _local(state)
    if body.grant_type == "refresh_token":
        # Refresh tokens are 256 random bits: guessing is hopeless, so only passwords count as attempts.
        if not body.refresh_token:
            raise AuthError("The refresh_token grant needs refresh_token.")
        return _tokens(await run_in_threadpool(local.refresh, body.refresh_token))
    state.limits.auth_attempt(client_ip(request))
    if not body.username or not body.password:
        raise AuthError("The password grant needs username and password.")
    state.limits.password_attempt(body.username)  # per account, whatever the address: 429 while locked
    pair = await run_in_threadpool(local.login, body.username, body.password)
    state.limits.signed_in(body.username)
    return _tokens(pair)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=AUTH_ERRORS)
async def logout(request: Request, state: StateDep, body: LogoutBody | None = None) -> Response:
    """Sign out: the session of the bearer access token or of `refresh_token`; `everywhere` ends all."""
    local = _local(state)
    body = body or LogoutBody()
    token = bearer_token(request.headers.get("authorization"))
    if token is not None:
        principal = await state.auth.authenticate(token)
        if "sid" not in principal.claims and not body.everywhere:  # a personal API token: no session to end
            raise AuthError("An API token is not a sign-in session: revoke it with DELETE /api/tokens/{id} instead.")
        if body.everywhere:
            await run_in_threadpool(local.logout, everywhere_for=principal.user_id)
        else:
            await run_in_threadpool(local.logout, session_id=str(principal.claims["sid"]))
    elif body.refresh_token:
        if not await run_in_threadpool(local.logout, refresh_token=body.refresh_token):
            raise AuthError("Unknown or already signed-out refresh token.")
    else:
        raise AuthError("Send the access token (Authorization: Bearer) or a refresh_token to sign out.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=Me, responses=AUTH_ERRORS)
async def me(principal: CurrentPrincipal, state: StateDep) -> Me:
    """Who the token (or, with CALLEDIT_AUTH=none, the server) says you are."""
    claims = principal.claims
    name = claims.get("username") or claims.get("cognito:username") or claims.get("email")
    if state.auth.mode == "none":
        name = principal.user_id
    exp = claims.get("exp")
    return Me(id=principal.user_id, username=str(name) if name else None, mode=state.auth.mode,
              expires_at=int(exp) if isinstance(exp, int | float) else None)
