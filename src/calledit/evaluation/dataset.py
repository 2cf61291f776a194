"""The evaluation dataset (format in docs/eval.md and docs/DESIGN.md): predictions with a frozen clock and
every acceptable answer."""

from __future__ import annotations

import json
import zoneinfo
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from calledit.domain.call import MAX_PROMPT_CHARS, VerdictOutcome, VerifiableCategory, VerificationMode
from calledit.domain.errors import BadRequest


class DateWindow(BaseModel):
    """The span a correct `verification_date` falls in (both ends inclusive)."""

    model_config = ConfigDict(extra="forbid")

    not_before: AwareDatetime
    not_after: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> DateWindow:
        if self.not_after < self.not_before:
            raise ValueError("not_after is earlier than not_before")
        return self

    def __contains__(self, moment: object) -> bool:
        from datetime import datetime

        return isinstance(moment, datetime) and self.not_before <= moment <= self.not_after


Band = Annotated[float, Field(ge=0.0, le=1.0)]


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verification_date: DateWindow | None = None
    verification_mode: list[VerificationMode] = Field(min_length=1)
    verifiable_category: list[VerifiableCategory] = Field(min_length=1)
    verdict: VerdictOutcome | None = None
    # [lo, hi], both inclusive: where a correct verifiability_score falls (optional).
    score: tuple[Band, Band] | None = None

    @field_validator("score")
    @classmethod
    def _ordered_band(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and value[0] > value[1]:
            raise ValueError(f"score band [{value[0]}, {value[1]}] is reversed: write [lo, hi] with lo <= hi")
        return value


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(min_length=1, max_length=64)]
    prediction: Annotated[str, Field(min_length=1, max_length=MAX_PROMPT_CHARS)]
    now: AwareDatetime
    timezone: str = "UTC"
    expect: Expectation
    verify_at: AwareDatetime | None = None  # the verifier's frozen clock; None = `now`
    web: Path | None = None  # a HAR recording answering the verification's outside requests (relative to the file)

    @property
    def verify_clock(self) -> datetime:
        return self.verify_at or self.now

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value


class Dataset(BaseModel):
    model_config = ConfigDict(extra="allow")  # a "description" or notes may travel with the cases

    cases: list[EvalCase] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Dataset:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"case id {case.id!r} appears twice")
            seen.add(case.id)
        return self


def load_dataset(path: Path) -> Dataset:
    """Read and check a dataset file; a BadRequest says which case and field is wrong."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadRequest(f"Cannot read the dataset {path}: {exc.strerror or exc}.") from exc
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"The dataset {path} is not valid JSON: {exc}.") from exc
    try:
        dataset = Dataset.model_validate(payload)
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:5]:
            location = list(error["loc"])
            if len(location) >= 2 and location[0] == "cases" and isinstance(location[1], int):
                cases = payload.get("cases") if isinstance(payload, dict) else None
                case_id = cases[location[1]].get("id") if isinstance(cases, list) and isinstance(
                    cases[location[1]], dict) else None
                location[1] = f"{location[1]} (id {case_id!r})" if case_id else location[1]
            problems.append(f"{'.'.join(str(part) for part in location) or 'dataset'}: {error['msg']}")
        more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        raise BadRequest(
            f"The dataset {path} does not match the format in docs/eval.md: " + "; ".join(problems) + more
        ) from exc
    for case in dataset.cases:  # recordings are named relative to the dataset file
        if case.web is not None and not case.web.is_absolute():
            case.web = path.parent / case.web
        if case.web is not None and not case.web.is_file():
            raise BadRequest(f"The dataset {path}: case {case.id!r} names the recording {case.web}, which is missing.")
    return dataset
