"""The 1200x630 PNG a link preview shows for a shared call (Open Graph's recommended size), drawn with Pillow.

Large type, few words: the statement (up to five lines), when it was logged and checked, the verdict as a
coloured badge, and whether the log proves it. Chat apps show it at about a third of its size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
BACKGROUND = (17, 24, 39)
TEXT = (243, 244, 246)
MUTED = (156, 163, 175)
BADGES = {
    "confirmed": ((22, 163, 74), "CALLED IT"),
    "refuted": ((220, 38, 38), "MISSED"),
    "inconclusive": ((202, 138, 4), "INCONCLUSIVE"),
    "void": ((75, 85, 99), "VOID"),
    "pending": ((37, 99, 235), "OPEN"),
}
# Debian's fonts when present (they read better large); Pillow's own otherwise.
_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans{}.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans{}.ttf",
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Card:
    statement: str
    outcome: str  # a BADGES key
    logged: str  # "Logged 2026-12-01"
    checked: str  # "Checked 2026-12-31" or "Check due 2026-12-31"
    proof: str  # "Proved: log entry 123" / "Proof FAILED"
    proof_ok: bool


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> Font:
    for pattern in _FONTS:
        path = Path(pattern.format("-Bold" if bold else ""))
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: int, max_lines: int) -> list[str]:
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while draw.textlength(current, font=font) > width:  # one very long word: cut it
            cut = len(current)
            while cut > 1 and draw.textlength(current[:cut], font=font) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def render_card(card: Card) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    inner = WIDTH - 2 * MARGIN

    draw.text((MARGIN, 56), "CalledIt", font=_font(34, bold=True), fill=TEXT)
    colour, label = BADGES.get(card.outcome, BADGES["pending"])
    badge_font = _font(30, bold=True)
    badge_w = int(draw.textlength(label, font=badge_font)) + 48
    draw.rounded_rectangle((WIDTH - MARGIN - badge_w, 48, WIDTH - MARGIN, 104), radius=28, fill=colour)
    draw.text((WIDTH - MARGIN - badge_w + 24, 76), label, font=badge_font, fill=(255, 255, 255), anchor="lm")

    # The statement: as large as fits in five lines.
    for size in (80, 72, 64, 56, 48, 42):
        font = _font(size, bold=True)
        lines = _wrap(draw, card.statement, font, inner, 5)
        if len(lines) * size * 1.25 <= 330 and not lines[-1].endswith("…"):
            break
    y = 150.0
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=TEXT)
        y += size * 1.25

    small = _font(28)
    draw.line((MARGIN, HEIGHT - 118, WIDTH - MARGIN, HEIGHT - 118), fill=(55, 65, 81), width=2)
    draw.text((MARGIN, HEIGHT - 72), f"{card.logged}  ·  {card.checked}", font=small, fill=MUTED, anchor="lm")
    proof_colour = (74, 222, 128) if card.proof_ok else (248, 113, 113)
    draw.text((WIDTH - MARGIN, HEIGHT - 72), card.proof, font=small, fill=proof_colour, anchor="rm")

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
