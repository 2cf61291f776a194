"""What a notification says: one event rendered as a subject, plain text, HTML (Jinja2, autoescaped: the
statement and the evidence are the user's and the web's words), and the short form chats and the bell show."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from calledit.notify.outbox import OutboxEvent

MAX_SUBJECT_STATEMENT = 120
OUTCOME_WORDS = {"confirmed": "confirmed: you called it", "refuted": "refuted: you missed this one",
                 "inconclusive": "inconclusive"}


@dataclass(frozen=True)
class Message:
    subject: str
    heading: str
    statement: str
    lines: list[str]
    evidence: list[str] = field(default_factory=list)
    link: str | None = None
    link_label: str = "Open the call"
    brief: str | None = None  # the bell's body when the first lines do not make one (a digest)

    @property
    def summary(self) -> str:
        """One or two sentences: the bell's body, a chat message's text."""
        return self.brief or " ".join(self.lines[:2])

    def text(self) -> str:
        parts = [self.statement, "", *self.lines]
        if self.evidence:
            parts += ["", "Evidence:", *[f"- {item}" for item in self.evidence]]
        if self.link:
            parts += ["", f"{self.link_label}: {self.link}"]
        parts += ["", "-- ",
                  "You get this because of your notification settings in CalledIt (Account -> Notifications)."]
        return "\n".join(parts) + "\n"

    def html(self) -> str:
        return _environment().get_template("email.html").render(
            subject=self.subject, heading=self.heading, statement=self.statement, lines=self.lines,
            evidence=self.evidence, link=self.link, link_label=self.link_label,
        )


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("calledit.notify", "templates"), autoescape=select_autoescape(["html"]))


def one_line(text: str, limit: int = MAX_SUBJECT_STATEMENT) -> str:
    """Whitespace folded (no header can be smuggled in), cut at `limit` with an ellipsis."""
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def call_link(public_url: str | None, call_id: str | None) -> str | None:
    if not public_url or not call_id:
        return None
    return f"{public_url.rstrip('/')}/#/calls/{call_id}"


def _date(value: str | None) -> str:
    if not value:
        return "its date"
    try:
        return f"{datetime.fromisoformat(value):%Y-%m-%d %H:%M %Z}".strip()
    except ValueError:
        return value


def render(event: OutboxEvent, public_url: str | None = None) -> Message:
    payload: dict[str, Any] = event.payload
    statement = one_line(str(payload.get("statement") or "Your call"), 2000)
    short = one_line(statement)
    link = call_link(public_url, event.call_id)
    kind = event.kind.value
    if kind == "verdict":
        verdict = payload.get("verdict") or {}
        outcome = str(verdict.get("verdict", "inconclusive"))
        evidence = [one_line(f"{e.get('finding', '')} ({e.get('source', '')})", 300)
                    for e in verdict.get("evidence", []) if isinstance(e, dict)]
        lines = [f"The agent checked your call: {OUTCOME_WORDS.get(outcome, outcome)}."]
        if verdict.get("reasoning"):
            lines.append(one_line(str(verdict["reasoning"]), 1000))
        lines.append("You can override or undo it on the call's page.")
        return Message(f"Your call was {outcome}: {short}", "verdict", statement, lines, evidence, link)
    if kind == "due":
        if payload.get("status") == "inconclusive":
            lines = ["The agent could not settle this call after every retry: only you can resolve it now.",
                     "Mark it confirmed, refuted or void on the call's page."]
        else:
            lines = [f"Its date ({_date(payload.get('verification_date'))}) has come, and only you can say how it "
                     "went.", "Mark it confirmed, refuted or void on the call's page."]
        if payload.get("criterion"):
            lines.append(f"How to judge it: {one_line(str(payload['criterion']), 500)}")
        return Message(f"Your call needs you: {short}", "needs you", statement, lines, [], link)
    if kind == "digest":  # notify/digest.py wrote its lines
        lines = [one_line(str(line), 400) for line in payload.get("lines", [])] or ["Nothing new this week."]
        subject = one_line(str(payload.get("subject") or "Your week in calls"))
        brief = one_line(str(payload["summary"]), 300) if payload.get("summary") else None
        return Message(subject, "weekly digest", "Your week in calls", lines, [], public_url, "Open CalledIt", brief)
    return Message("CalledIt test notification", "test", "This is a test",
                   ["Notifications reach you here. Nothing to do."], [], public_url)
