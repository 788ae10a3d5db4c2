"""Slack's text both ways: reading a command's mentions, channels, links and tags, and
writing outside text (`escape`, `link`) so that it shows as typed.

Slack escapes `&`, `<` and `>` in what people type and, with "escape channels, users and
links" on (manifest.yml sets it), turns a picked person into `<@U123|name>`, a channel
into `<#C123|name>` and a link into `<https://…|label>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One escape `<…>` (its label may hold spaces), a run of other text, or a stray `<`.
_TOKEN = re.compile(r"<[^<>]*>|[^\s<]+|<")
_USER = re.compile(r"<@([UW][A-Z0-9]{1,20})(?:\|([^<>]*))?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]{1,20})(?:\|([^<>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|<>\s]+)(?:\|([^<>]*))?>")
_SPECIAL = re.compile(r"<!([^|<>]+)(?:\|([^<>]*))?>")
_TAG = re.compile(r"#([^\W_][\w.-]{0,39})")
_ANY_ESCAPE = re.compile(r"<([^<>]*)>")


class TextError(ValueError):
    """Command text QueueDay cannot read; the message says what and how to fix it."""


@dataclass(frozen=True)
class UserRef:
    """A person picked from Slack's autocomplete: `<@U123|name>` or `<@U123>`."""

    id: str
    name: str | None = None

    def __str__(self) -> str:
        return f"<@{self.id}>"


@dataclass(frozen=True)
class ChannelRef:
    """A channel picked from Slack's autocomplete: `<#C123|name>` or `<#C123>`."""

    id: str
    name: str | None = None

    def __str__(self) -> str:
        return f"<#{self.id}>"


@dataclass(frozen=True)
class Link:
    """A link Slack recognised: `<https://…|label>` or `<https://…>`."""

    url: str
    label: str | None = None

    def __str__(self) -> str:
        return self.url


Token = str | UserRef | ChannelRef | Link


def unescape(text: str) -> str:
    """Slack's three HTML escapes back to the characters typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text: str) -> str:
    """Outside text (a tracker's title, a name, a note) as mrkdwn that shows it verbatim.

    Slack's three escapes, so `<!channel>` or `<https://evil.example|click>` in a title
    shows as typed instead of pinging everyone or disguising a link. QueueDay stores
    text unescaped and calls this once, where the text becomes mrkdwn.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_LINKABLE = ("https://", "http://", "mailto:", "webcal://")
_URL_QUOTES = {"<": "%3C", ">": "%3E", "|": "%7C", " ": "%20", "\n": "%0A", "\t": "%09"}


def link(url: str, label: str | None = None) -> str:
    """A mrkdwn link to `url` showing `label` (escaped), or the label alone as text.

    The URL comes from outside too: a `|` or `>` in it would end the link early and
    let the rest pose as a label, so those are percent-encoded; a URL that is not
    http(s), mailto or webcal is not linked at all.
    """
    shown = escape(label if label is not None else url)
    if not url.lower().startswith(_LINKABLE):
        return shown
    safe = "".join(_URL_QUOTES.get(c, c) for c in url).replace("&", "&amp;")
    return f"<{safe}|{shown}>"


def tokenize(text: str) -> list[Token]:
    """The words of `text`, with each Slack escape read as one token.

    Plain words come back unescaped (`&amp;` is `&`); an escape QueueDay does not know
    (`<!here>`, a malformed `<@x>`) comes back as its plain text.
    """
    out: list[Token] = []
    for match in _TOKEN.finditer(text):
        out.append(read_token(match.group(0)))
    return out


def read_token(word: str) -> Token:
    """One token: a mention, a channel, a link, or the word itself, unescaped."""
    if word.startswith("<") and word.endswith(">") and len(word) > 2:
        if m := _USER.fullmatch(word):
            return UserRef(m.group(1), _label(m.group(2)))
        if m := _CHANNEL.fullmatch(word):
            return ChannelRef(m.group(1), _label(m.group(2)))
        if m := _LINK.fullmatch(word):
            return Link(unescape(m.group(1)), _label(m.group(2)))
        if m := _SPECIAL.fullmatch(word):
            return "@" + (m.group(2) or m.group(1)).lstrip("@")
        return unescape(word[1:-1])
    return unescape(word)


def _label(raw: str | None) -> str | None:
    return unescape(raw) if raw else None


def plain(text: str) -> str:
    """`text` as a person would read it: mentions as @name, links as their URL.

    For storing free text (a bug's title, a time-off reason) without Slack's markup.
    """

    def one(match: re.Match[str]) -> str:
        token = read_token(match.group(0))
        if isinstance(token, UserRef):
            return f"@{token.name}" if token.name else str(token)
        if isinstance(token, ChannelRef):
            return f"#{token.name}" if token.name else str(token)
        return str(token)

    return unescape(_ANY_ESCAPE.sub(one, text)).strip()


def shell_text(text: str, *, user_prefix: str = "") -> str:
    """A message meant for Slack as a shell prints it: `<@U123>` as `U123`, a channel
    as `#name` (or its id), a link as its URL, and no HTML escapes.

    Use cases word refusals for Slack, where `<@U123>` shows as a name; the command line
    takes and prints plain ids. `user_prefix` (`@`) marks ids where plain text is read
    by people, as under a modal's input.
    """

    def one(match: re.Match[str]) -> str:
        token = read_token(match.group(0))
        if isinstance(token, UserRef):
            return user_prefix + token.id
        if isinstance(token, ChannelRef):
            return f"#{token.name or token.id}"
        return str(token)

    return unescape(_ANY_ESCAPE.sub(one, text))


def tag_of(token: Token) -> str | None:
    """The area a token names: `#billing`, or a channel Slack turned `#billing` into.

    A `#word` that happens to match a channel name arrives as `<#C123|billing>`, so a
    named channel counts as its tag; the tag is lower case.
    """
    if isinstance(token, str):
        m = _TAG.fullmatch(token)
        return m.group(1).lower() if m else None
    if isinstance(token, ChannelRef) and token.name:
        return token.name.lower()
    return None


def split_tags(tokens: list[Token]) -> tuple[list[Token], list[str]]:
    """The tokens without their `#area` tags, and the tags (first seen first, no repeats)."""
    rest: list[Token] = []
    tags: list[str] = []
    for token in tokens:
        tag = tag_of(token)
        if tag is None:
            rest.append(token)
        elif tag not in tags:
            tags.append(tag)
    return rest, tags


def as_user(token: Token) -> UserRef:
    """The person a token names, or a TextError saying how to name one."""
    if isinstance(token, UserRef):
        return token
    text = str(token)
    if text.startswith("@"):
        raise TextError(
            f"I can't tell who `{text}` is: pick the person from Slack's list as you type @"
        )
    raise TextError(f"`{text}` is not a person: mention them with @, e.g. `@ada`")


def as_channel(token: Token) -> ChannelRef:
    """The channel a token names, or a TextError saying how to name one."""
    if isinstance(token, ChannelRef):
        return token
    text = str(token)
    if text.startswith("#"):
        raise TextError(
            f"I can't find the channel `{text}`: pick it from Slack's list as you type #"
        )
    raise TextError(f"`{text}` is not a channel: name it with #, e.g. `#support`")


def words_text(tokens: list[Token]) -> str:
    """Tokens joined back into one line of plain text (mentions as <@U…>, links as URLs)."""
    return " ".join(str(t) for t in tokens)
