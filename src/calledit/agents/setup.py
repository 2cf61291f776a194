"""Assembles the agents from settings: the provider, the tools, the deterministic guards."""

from __future__ import annotations

from calledit.agents.creation import Clock, CreationAgent, system_clock
from calledit.config import Settings
from calledit.providers import Provider


def creation_agent(settings: Settings, provider: Provider, clock: Clock = system_clock) -> CreationAgent:
    return CreationAgent(provider, clock=clock, max_prompt_chars=settings.max_prompt_chars)
