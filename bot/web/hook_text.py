"""Text from support tools made fit for a Slack reminder, before it is stored.

Vendors send HTML (Zendesk comments, Intercom messages) or markdown (Jira, Linear):
`plain` turns either into plain text; `mask` hides the customer's email addresses and
phone numbers (QueueDay stores what customers said, not who they are); `cut` shortens a
long text at a word, the stored link leading to the original.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

TITLE_LIMIT = 200  # a ticket's title in a reminder line
HIGHLIGHT_LIMIT = 500  # a highlight's quote

_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
_SKIPPED = {"script", "style", "head"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Nine or more digits with the separators phone numbers use: a date (8 digits), an
# issue key or an order number without separators stays.
_PHONE = re.compile(r"(?<![\w-])\+?\(?\d[\d\s().-]{7,}\d(?![\w-])")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*\)")
_MD_MARKS = re.compile(r"(\*\*|__|~~|`+|^#{1,6}\s+|^>\s?|^\s*[-*+]\s+)", re.MULTILINE)
# *emphasis* or _emphasis_ (markdown's italics, Jira's bold), not a snake_case name.
_EMPHASIS = re.compile(r"(?<![\w*])([*_])(\S(?:[^\n]*?\S)?)\1(?![\w*])")
_JIRA_MARKS = re.compile(r"(\{code[^}]*\}|\{noformat\}|\{quote\}|^h[1-6]\.\s+)", re.MULTILINE)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def plain(text: str) -> str:
    """HTML or markdown as plain text: tags, entities and markup gone, whitespace tidied."""
    if "<" in text and ">" in text:
        parser = _Text()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    else:
        text = html.unescape(text)
    text = _MD_LINK.sub(r"\1", text)
    text = _JIRA_MARKS.sub("", text)
    text = _MD_MARKS.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def mask(text: str) -> str:
    """`text` with email addresses and phone numbers replaced by `[email]` and `[phone]`."""
    text = _EMAIL.sub("[email]", text)
    return _PHONE.sub(lambda m: "[phone]" if _digits(m.group()) >= 9 else m.group(), text)


def _digits(text: str) -> int:
    return sum(char.isdigit() for char in text)


def cut(text: str, limit: int) -> str:
    """`text` at most `limit` characters, cut at the last word that fits, with `…`."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:.-\n") + "…"


def clean(text: str | None, limit: int) -> str:
    """Vendor text as QueueDay stores it: plain, masked, cut; `""` for none."""
    return cut(mask(plain(text or "")), limit)
