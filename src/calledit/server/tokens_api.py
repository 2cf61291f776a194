"""REST for personal API tokens: make one (shown once), list yours, delete one. See docs/auth.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from calledit.auth.api_tokens import ApiTokens, from_api_token
from calledit.domain.errors import ConfigurationError
from calledit.server.state import AppState, CurrentPrincipal, StateDep, WriteLimit
from calledit.storage.base import ApiToken, TokenStore

router = APIRouter(prefix="/api", tags=["tokens"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such token for this user"}}


class TokenCreate(BaseModel):
    """Body of `POST /api/tokens`."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100, description="what it is for, e.g. 'laptop CLI'")]
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = Field(
        default=None, description="days until it stops working; null: until you delete it")


class TokenPublic(BaseModel):
    """A token as listed: never the token itself."""

    id: str
    name: str
    hint: str = Field(description="the token's first characters, e.g. cit_Ab3x")
    created_at: AwareDatetime
    expires_at: AwareDatetime | None
    last_used_at: AwareDatetime | None = Field(description="to the minute")


class TokenCreated(TokenPublic):
    token: str = Field(description="the token: shown this once, store it now (cit_...)")


class TokenList(BaseModel):
    items: list[TokenPublic]


def _tokens(state: AppState) -> ApiTokens:
    if state.auth.api_tokens is not None:
        return state.auth.api_tokens
    if isinstance(state.store, TokenStore):
        return ApiTokens(state.store)
    raise ConfigurationError(f"The {type(state.store).__name__} storage adapter cannot keep API tokens.")


def _public(token: ApiToken) -> dict[str, Any]:
    return {"id": token.id, "name": token.name, "hint": token.hint, "created_at": token.created_at,
            "expires_at": token.expires_at, "last_used_at": token.last_used_at}


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated, dependencies=[WriteLimit],
             responses={403: {"description": "Made with an API token: sign in to make tokens"}})
async def create_token(body: TokenCreate, state: StateDep, principal: CurrentPrincipal) -> TokenCreated:
    """Make a personal API token for scripts and the CLI (`Authorization: Bearer cit_...`, `?token=` on /ws).
    The answer holds the token this once; only its hash is kept."""
    if from_api_token(principal):  # a leaked token must not be able to outlive its own deletion
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "An API token cannot make more tokens: sign in (web UI or password) to make one.")
    stored, token = await run_in_threadpool(_tokens(state).create, principal.user_id, body.name, body.expires_in_days)
    return TokenCreated(**_public(stored), token=token)


@router.get("/tokens", response_model=TokenList)
async def list_tokens(state: StateDep, principal: CurrentPrincipal) -> TokenList:
    """Your API tokens, oldest first (names, hints and dates: never the tokens)."""
    found = await run_in_threadpool(_tokens(state).store.tokens, principal.user_id)
    return TokenList(items=[TokenPublic(**_public(token)) for token in found])


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND,
               dependencies=[WriteLimit])
async def delete_token(token_id: str, state: StateDep, principal: CurrentPrincipal) -> Response:
    """Revoke one of your API tokens: it stops working at once."""
    if not await run_in_threadpool(_tokens(state).store.delete_token, principal.user_id, token_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"No API token with id {token_id!r}: GET /api/tokens lists yours.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
