"""How counts read in QueueDay's sentences: `1 day`, `2 days`, `1 person`, `3 people`.

Every front door (Slack replies, the command line, use-case refusals) counts things
through `plural`, so no reply says "1 rotations" or "day(s)".
"""

from __future__ import annotations

# Nouns whose plural is not the noun plus "s".
IRREGULAR = {"person": "people"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`count` and `noun`, the noun in the plural unless the count is exactly one.

    `many` names an irregular plural; without it the last word takes its plural:
    IRREGULAR, `entry` -> `entries`, else plus "s".
    """
    if count == 1:
        return f"{count} {noun}"
    if many is None:
        many = _plural_noun(noun)
    return f"{count} {many}"


def _plural_noun(noun: str) -> str:
    """The plural of a noun or of a phrase's last word (`unknown person`)."""
    head, space, last = noun.rpartition(" ")
    if last in IRREGULAR:
        last = IRREGULAR[last]
    elif last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u"):
        last = last[:-1] + "ies"
    else:
        last += "s"
    return head + space + last
