"""Assembles the agents from settings: the provider, the tools, the deterministic guards."""

from __future__ import annotations

from calledit.agents.creation import Clock, CreationAgent, system_clock
from calledit.agents.dates import warm_in_background
from calledit.agents.fidelity import FidelityGuard
from calledit.agents.guards import (
    CategoryGuard,
    DateGuard,
    DatePrefill,
    MethodGuard,
    ModeGuard,
    ScoreGuard,
    TimeHinter,
)
from calledit.agents.prompts import SYSTEM_PROMPT, USER_PREFIX
from calledit.config import Settings
from calledit.providers import Provider


def creation_agent(settings: Settings, provider: Provider, clock: Clock = system_clock) -> CreationAgent:
    """The creation agent every transport uses: resolved dates as hints; mode, date, statement-fidelity and
    score guards on the answer."""
    date_order = None if settings.date_order == "auto" else settings.date_order
    warm = getattr(provider.model, "warm", None)
    if callable(warm):  # the embedded model: evaluate the fixed system prompt now, in the background
        warm(SYSTEM_PROMPT, USER_PREFIX)
    warm_in_background()  # the date resolver's language data
    return CreationAgent(
        provider,
        clock=clock,
        hinters=[TimeHinter(date_order)],
        # Mode first: the date rules depend on it (an immediate call is checked now, a deadline at its end);
        # the statement's dates come from the final date; the score from the final mode and category (it may
        # make the call the user's own); the method's steps last, from all of them.
        guards=[ModeGuard(date_order), DateGuard(date_order), CategoryGuard(), FidelityGuard(date_order), ScoreGuard(),
                MethodGuard(date_order)],
        prefills=[DatePrefill(date_order)],
        max_prompt_chars=settings.max_prompt_chars,
    )
