"""The call log over REST (docs/proof.md): the signed head and consistency proofs for anyone (monitors, people
publishing heads), and each call's inclusion proof for its owner."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, BaseModel, Field

from calledit.proof.bundle import CallProof
from calledit.server.state import CurrentUser, StateDep
from calledit.server.store_services import log_of

router = APIRouter(prefix="/api", tags=["log"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such call for this user"}}


class LogHead(BaseModel):
    """The latest signed tree head, with the key that signs it."""

    tree_size: int
    root_hash: str = Field(description="hex SHA-256 Merkle tree hash (RFC 9162 §2.1.1)")
    timestamp: int = Field(description="milliseconds since the Unix epoch, UTC")
    signed_at: AwareDatetime = Field(description="the timestamp, readable")
    key_id: str = Field(description="hex SHA-256 of the raw public key")
    signature: str = Field(description="base64 Ed25519 signature of RFC 6962's TreeHeadSignature")
    public_key: str = Field(description="base64 raw Ed25519 public key: publish it with the heads")


class Consistency(BaseModel):
    first: int
    second: int
    proof: list[str] = Field(description="hex RFC 9162 §2.1.4 consistency proof (empty when first is 0 or second)")


@router.get("/log/head", response_model=LogHead)
async def log_head(state: StateDep) -> LogHead:
    """The signed head of the append-only call log: size, Merkle root, time, Ed25519 signature over RFC 6962's
    TreeHeadSignature. Publish it (docs/proof.md) and no entry can later be changed or backdated unseen."""
    log = log_of(state)
    head = await run_in_threadpool(log.head)
    return LogHead(**head.model_dump(), signed_at=head.signed_at, public_key=log.signer.public_key_b64)


@router.get("/log/consistency", response_model=Consistency)
async def log_consistency(
    state: StateDep,
    first: int = Query(ge=0, description="the size of a head you hold"),
    second: int | None = Query(None, ge=0, description="a later size; default: the latest head's"),
) -> Consistency:
    """Proof that the log at `first` entries is a prefix of the log at `second`: nothing was rewritten."""
    log = log_of(state)
    head = await run_in_threadpool(log.head)
    upper = head.tree_size if second is None else second
    if not first <= upper <= head.tree_size:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            f"Sizes must satisfy first <= second <= {head.tree_size} (the log's size now).")
    proof = await run_in_threadpool(log.consistency, first, upper)
    return Consistency(first=first, second=upper, proof=proof)


@router.get("/calls/{call_id}/proof", response_model=CallProof, responses=NOT_FOUND)
async def call_proof(call_id: str, state: StateDep, user: CurrentUser) -> CallProof:
    """The inclusion proof of every entry of your call, revealing all of its fields (to you): check it offline
    with `calledit prove`. A shared call's public proof, revealing only what its page shows, is at
    `/c/{slug}/proof.json`."""
    log = log_of(state)

    def build() -> CallProof | None:
        call = state.store.get(user, call_id)
        return log.prove(user, call) if call is not None else None

    proof = await run_in_threadpool(build)
    if proof is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No call with id {call_id!r} in the log.")
    return proof
