"""The creation agent: a prediction in plain words in, a validated call out, streamed as it is written.

It yields protocol events (text, tool, call, complete) and knows nothing of the transport carrying them.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import zoneinfo
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal, Protocol

from calledit.agents.checks import (
    CheckPlan,
    category_reason,
    complete_check,
    plan_check,
    plan_fields,
    with_check,
)
from calledit.agents.partial import PartialCall, parse_answer
from calledit.agents.prompts import (
    SYSTEM_PROMPT,
    build_repair_prompt,
    build_user_prompt,
    call_grammar_schema,
    user_prefix,
)
from calledit.agents.sanitize import clean_value, quote_prediction, sanitize_draft, strip_controls
from calledit.domain.call import MAX_PROMPT_CHARS, CallContent, CallDraft, VerificationMode
from calledit.domain.errors import BadRequest, CalledItError, ModelError
from calledit.domain.events import CallEvent, CompleteEvent, TextEvent, ToolEvent
from calledit.domain.verifiability import score_call
from calledit.providers.base import OutputSchema, Provider

Clock = Callable[[], datetime]
CALL_OUTPUT = OutputSchema("call", call_grammar_schema())  # what the model writes, asked of every provider
PENDING_STEP = "Confirmed if the criterion holds, refuted if not"  # until MethodGuard writes the steps


def call_output(plan: CheckPlan | None, omit: set[str] | None = None) -> OutputSchema:
    """The call's schema for one request: without the fields code already knows (`omit`), and with the
    query of the check code chose, when there is one."""
    if plan is None and not omit:
        return CALL_OUTPUT
    schema = call_grammar_schema()
    for name in omit or ():
        schema["properties"].pop(name, None)
    schema["required"] = [name for name in schema["required"] if name not in (omit or ())]
    if plan is not None and plan.needs_query:
        schema["properties"]["check"] = plan.schema()
        schema["required"] = [*schema["required"], "check"]
    return OutputSchema("call", schema)


_HIDDEN = ("verifiability_score", "recurring_interval")  # placeholders until the guards decide them


def _with_known(fields: dict[str, Any], known: dict[str, Any]) -> dict[str, Any]:
    """The fields so far as the progressive `call` events show them: the model's statement first, then what
    code knew (in place from then on: a field once shown never moves), then the model's other fields."""
    names = list(fields)
    if not names or names == ["prediction_statement"]:
        return fields
    shown = {name: value for name, value in known.items() if name not in _HIDDEN}
    return {names[0]: fields[names[0]], **shown, **fields}
CreationEvent = TextEvent | ToolEvent | CallEvent | CompleteEvent


def system_clock() -> datetime:
    return datetime.now(UTC)


def resolve_timezone(name: str) -> tzinfo:
    """The IANA zone, or a BadRequest that says what a valid name looks like."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise BadRequest(
            f"Unknown timezone {name!r}: use an IANA name such as 'Europe/Paris' or 'America/New_York'."
        ) from exc


def validate_prompt(prompt: str, limit: int = MAX_PROMPT_CHARS) -> str:
    text = strip_controls(prompt).strip()  # a prompt of only control characters is empty
    if not text:
        raise BadRequest("The prediction is empty: write what you expect to happen, e.g. 'It rains tomorrow'.")
    if len(prompt) > limit:
        raise BadRequest(f"The prediction is {len(prompt)} characters long; the limit is {limit}.")
    return prompt


@dataclass(frozen=True)
class CallContext:
    """What a run knows besides the model: the user's words, where and when they are."""

    prompt: str
    timezone: str
    now: datetime  # aware, in the user's timezone
    hints: list[str] = field(default_factory=list)


class Guard(Protocol):
    """A deterministic check on the model's call (dates, mode cues); returns the call, repaired if needed."""

    def __call__(self, draft: CallDraft, context: CallContext) -> CallDraft: ...


class Prefill(Protocol):
    """Fields code knows before the model writes (by name, as JSON values): left out of the model's grammar."""

    def __call__(self, context: CallContext) -> dict[str, Any]: ...


class Hinter(Protocol):
    """Prepares a run before the model starts: may add prompt hints and report tool uses."""

    def __call__(self, context: CallContext) -> tuple[list[str], list[ToolEvent]]: ...


class CreationAgent:
    """Builds one Strands agent per run over a shared provider."""

    def __init__(
        self,
        provider: Provider,
        *,
        clock: Clock = system_clock,
        tools: Sequence[Any] = (),
        hinters: Sequence[Hinter] = (),
        guards: Sequence[Guard] = (),
        prefills: Sequence[Prefill] = (),
        max_prompt_chars: int = MAX_PROMPT_CHARS,
    ) -> None:
        self.provider = provider
        self.clock = clock
        self.tools = list(tools)
        self.hinters = list(hinters)
        self.guards = list(guards)
        self.prefills = list(prefills)
        self.max_prompt_chars = max_prompt_chars

    def context(self, prompt: str, timezone: str) -> CallContext:
        """Validate the request and freeze the clock for it; raises BadRequest on bad input."""
        validate_prompt(prompt, self.max_prompt_chars)
        zone = resolve_timezone(timezone)
        return CallContext(prompt=prompt, timezone=timezone, now=self.clock().astimezone(zone))

    async def stream(
        self, prompt: str, timezone: str = "UTC", *, cancel_signal: threading.Event | None = None
    ) -> AsyncGenerator[CreationEvent, None]:
        """Run the agent; yields text/tool/call events and ends with `complete`, or raises a CalledItError."""
        from strands import Agent

        context = self.context(prompt, timezone)
        plan = plan_check(prompt, now=context.now, timezone=timezone)  # decided in code; the model writes the query
        lead, hints = _lead_and_hints(plan)
        for hinter in self.hinters:
            # dateparser and the rules take milliseconds of CPU: keep them off the event loop
            extra, tool_events = await asyncio.to_thread(hinter, context)
            hints.extend(extra)
            for tool_event in tool_events:
                yield tool_event
        context = CallContext(context.prompt, context.timezone, context.now, hints)
        known: dict[str, Any] = {}
        for prefill in self.prefills:
            known.update(await asyncio.to_thread(prefill, context))
        if plan is not None:  # the check decides the category and the method: the model writes its query
            known.update(plan_fields(plan))

        quoted = quote_prediction(context.prompt)
        model = self.provider.model_for(call_output(plan, omit=set(known)))
        with_cache_prefix = getattr(model, "with_cache_prefix", None)
        if callable(with_cache_prefix):  # the embedded model: restore this source's cached prefix first
            model = with_cache_prefix(user_prefix(lead))
        with_fields = getattr(model, "with_fields", None)
        if callable(with_fields):  # the embedded model: the statement usually starts with the prediction's words
            model = with_fields(drafts={"prediction_statement": quoted.strip()}, prose=("prediction_statement",))
        agent = Agent(
            model=model,
            system_prompt=SYSTEM_PROMPT,
            tools=self.tools,
            callback_handler=None,
        )
        user_prompt = build_user_prompt(quoted, context.now, context.timezone, context.hints,
                                        clock=_clock_line(known, context.prompt), lead=lead)
        turn = PartialCall()
        async with contextlib.aclosing(self._turn(agent, user_prompt, turn, cancel_signal, known)) as steps:
            async for step in steps:
                yield step
        draft, query, problem = self._validate(turn.text, known)
        if draft is None:
            # One repair round: the model sees what failed and answers again.
            repair = PartialCall()
            repair_turn = self._turn(agent, build_repair_prompt(problem), repair, cancel_signal, known)
            async with contextlib.aclosing(repair_turn) as steps:
                async for step in steps:
                    yield step
            draft, query, problem = self._validate(repair.text, known)
            if draft is None:
                raise ModelError(f"The model's answer did not validate after one repair round: {problem}")
        for guard in self.guards:
            draft = await asyncio.to_thread(guard, draft, context)
        if plan is not None:  # the dates and the reading of the range come from the final mode and date
            check = await asyncio.to_thread(complete_check, plan, query, draft, prompt, context.now, timezone)
            draft = with_check(draft, check, context.now)
            draft = score_call(draft, prompt)  # the score follows the check now attached
        draft = sanitize_draft(draft)  # last: no control characters or markup in what people are shown
        content = CallContent(
            **draft.model_dump(),
            raw_prompt=strip_controls(context.prompt),
            timezone=context.timezone,
            model=self.provider.name,
        )
        yield CompleteEvent(content=content)

    async def _turn(
        self, agent: Any, user_prompt: str, turn: PartialCall, cancel_signal: threading.Event | None,
        known: dict[str, Any] | None = None,
    ) -> AsyncGenerator[CreationEvent, None]:
        """One model turn: stream text, report tools, and emit the call's fields as they complete."""
        try:
            async with contextlib.aclosing(agent.stream_async(user_prompt, cancel_signal=cancel_signal)) as stream:
                async for event in stream:
                    if event.get("data"):
                        yield TextEvent(content=strip_controls(event["data"]))
                        fields = turn.feed(event["data"])
                        if fields is not None:
                            yield CallEvent(call=clean_value(_with_known(fields, known or {})))
                    elif "message" in event:
                        for tool_event in _tool_uses(event["message"]):
                            yield tool_event
                            turn.text = ""  # text before a tool call is not the answer
        except CalledItError:
            raise
        except Exception as exc:  # vendor SDK errors: translate once, here, with a hint of what to fix
            raise self.provider.model_error(exc) from exc

    @staticmethod
    def _validate(
        text: str, known: dict[str, Any] | None = None
    ) -> tuple[CallDraft | None, dict[str, Any] | None, str]:
        """The call (with the fields code knew), the check's query as the model wrote it (completed after the
        guards), or the problem."""
        query: dict[str, Any] = {}

        def take_query(payload: dict[str, Any]) -> None:
            found = payload.pop("check", None)
            if isinstance(found, dict):
                query.update(found)
            for name, value in (known or {}).items():
                payload.setdefault(name, value)
            method = payload.get("verification_method")
            if isinstance(method, dict) and "category_reasoning" not in payload:  # the source tells the category
                sources = method.get("source") or []
                payload["category_reasoning"] = category_reason(str(sources[0]) if sources else "")
            if isinstance(method, dict):  # the model writes no criteria or steps: MethodGuard writes them
                if not method.get("criteria"):
                    method["criteria"] = [str(payload.get("prediction_statement") or "The prediction holds")]
                if not method.get("steps"):
                    method["steps"] = [PENDING_STEP]

        draft, problem = parse_answer(text, CallDraft, "call", take_query)
        return draft, query or None, problem


def _lead_and_hints(plan: CheckPlan | None) -> tuple[str, list[str]]:
    """The check's instructions for the model: before the prediction the part that is the same for every call
    of the source or kind (the local model keeps it cached: ~60 tokens, ~2 s on two cores, not evaluated
    again), after it the part with the call's own words (teams, numbers). Nothing for a check code read whole."""
    if plan is None:
        return "", []
    return plan.lead, [plan.detail] if plan.detail else []


# Words that tie a claim checkable now to the present day ("today is a Saturday", "it is already night in
# Tokyo", "we are in the last week of November"); a timeless fact ("water boils at 100 C") has none.
ABOUT_NOW = re.compile(r"\b(?:today|tonight|tomorrow|yesterday|now|currently|at the moment|already|this|next|"
                        r"last|ago|we are|we're|it is|it's)\b", re.I)


def _clock_line(known: dict[str, Any], prompt: str) -> Literal["time", "day", "none"]:
    """How the user turn gives the clock (prompts.build_user_prompt): as ISO 8601 when the model writes the
    date, as the day for a claim about the present day, not at all otherwise (code resolved the date; told
    the day, the model added it to statements of timeless facts: "Water boils at 100 C, 21 November 2026")."""
    if "verification_date" not in known:
        return "time"
    return "day" if says_the_day(known.get("verification_mode") == VerificationMode.IMMEDIATE.value, prompt) \
        else "none"


def says_the_day(immediate: bool, prompt: str) -> bool:
    """Whether the user turn tells the model what day it is (a claim checkable now, about the present day);
    TimeHinter then leaves out a hint that would repeat it."""
    return immediate and ABOUT_NOW.search(prompt) is not None


def _tool_uses(message: dict[str, Any]) -> list[ToolEvent]:
    if message.get("role") != "assistant":
        return []
    return [
        ToolEvent(name=block["toolUse"]["name"], input=block["toolUse"].get("input") or {})
        for block in message.get("content", [])
        if "toolUse" in block
    ]
