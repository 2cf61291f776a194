"""What a new password must not be: one of the most common passwords, or built from the username.

Attackers try the common passwords first, against every account (see NIST SP 800-63B, 5.1.1.2). The
list ships with the package (common-passwords.txt: its header says where it comes from).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from calledit.domain.errors import BadRequest

LIST_FILE = "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lowercased (read once, on the first password set)."""
    text = files("calledit.auth").joinpath(LIST_FILE).read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def check_not_guessable(password: str, username: str) -> None:
    """BadRequest, saying what to choose instead, when the password is common or contains the username."""
    folded = password.strip().casefold()
    name = username.strip().casefold()
    if folded in common_passwords():
        raise BadRequest(
            "That password is one of the most common ones, which attackers try first: choose another, "
            "e.g. three or four unrelated words."
        )
    if name and (name in folded or name[::-1] in folded):
        raise BadRequest("A password must not contain the username: choose one that does not.")
