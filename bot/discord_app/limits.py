"""Discord's hard limits, and cutting text to fit them cleanly instead of being rejected."""

from __future__ import annotations

MESSAGE = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000
EMBED_FIELDS = 25
CHOICES = 25
CHOICE_NAME = 100
BUTTON_LABEL = 80
BUTTONS_PER_ROW = 5
ROWS = 5
CUSTOM_ID = 100


def cut(text: str, limit: int, ellipsis: str = "…") -> str:
    """At most `limit` characters, cut at a word boundary when one is near, with an ellipsis."""
    text = text or ""
    if len(text) <= limit:
        return text
    room = max(limit - len(ellipsis), 0)
    head = text[:room]
    space = head.rfind(" ")
    if space >= room * 0.8:
        head = head[:space]
    return head.rstrip() + ellipsis


def chunks(lines: list[str], limit: int = MESSAGE) -> list[str]:
    """Join lines into messages of at most `limit` characters (long lines are cut)."""
    out, current = [], ""
    for line in lines:
        line = cut(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            out.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out
