"""Tags: the owner's own labels on calls ("work", "sports", "ai safety"). Pure.

A tag is compared as written in lowercase with its spaces collapsed, so "AI  Safety" and "ai safety" are
one tag; a leading `#` is dropped ("#work" is "work"). Commas and semicolons separate tags in files and
on the command line, so a tag cannot hold them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

MAX_TAGS = 20
MAX_TAG_CHARS = 40
SEPARATORS = re.compile(r"[,;]")
_SPACES = re.compile(r"\s+")


def normalize_tag(text: str) -> str:
    """The tag as stored, or ValueError saying what is wrong with it."""
    tag = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lstrip("#").strip().lower()
    if not tag:
        raise ValueError("a tag needs at least one letter or digit")
    if len(tag) > MAX_TAG_CHARS:
        raise ValueError(f"a tag is at most {MAX_TAG_CHARS} characters: {tag[:MAX_TAG_CHARS]}...")
    if SEPARATORS.search(tag) or not tag.isprintable():
        raise ValueError(f"a tag cannot hold commas, semicolons or control characters: {tag!r}")
    return tag


def normalize_tags(tags: list[str]) -> list[str]:
    """Each tag normalized, duplicates dropped (the first kept, in order), at most MAX_TAGS."""
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(normalize_tag(tag), None)
    if len(seen) > MAX_TAGS:
        raise ValueError(f"a call has at most {MAX_TAGS} tags")
    return list(seen)


def split_tags(text: str) -> list[str]:
    """Tags written in one string, as files and the command line give them: "work; ai safety, #news"."""
    return [part for part in (piece.strip() for piece in SEPARATORS.split(text)) if part]


Tags = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=100), AfterValidator(normalize_tags)]
