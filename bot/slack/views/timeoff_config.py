"""The time-off calendar modals: a rotation's feeds (admins, from `/queueday config`) and
a person's own out-of-office calendar (`/queueday config me`).

A URL is a secret: these views show its hint only, and the URL input is never filled in
with one. Each view is rebuilt from the use case's answer after every change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.slack.text import escape
from bot.slack.views.blocks import Block, actions, button, context, plain_text, said, section
from bot.slack.views.limits import fit_view
from bot.usecases.time_off import TimeOffResult
from bot.usecases.timeoff_feeds import FeedInfo
from scheduling.wording import plural

FEEDS = "timeoff_feeds"  # the rotation's calendars (callback id)
MINE = "timeoff_mine"  # one's own out-of-office calendar (callback id)
OPEN = "timeoff_feeds:open"  # the settings modal's button; its value is the rotation
REMOVE = "timeoff_feeds:remove"  # a feed's Remove button; its value is the feed id
REMOVE_MINE = "timeoff_mine:remove"
URL_BLOCK = "timeoff_url"
URL_ACTION = "value"
MAX_URL_INPUT = 2048  # as timeoff_fetch.MAX_URL_LENGTH; Slack refuses longer input itself
NO_URL = "Paste the calendar's iCal link (https://…), or press Back."
WHERE_TO_FIND = (
    "Where to find the link: Google Calendar, the calendar's *Settings and sharing* → "
    "*Secret address in iCal format*; Outlook, *Settings* → *Calendar* → *Shared "
    "calendars* → *Publish a calendar* (the ICS link); HR tools, their iCal or "
    "\u201cwho's out\u201d feed."
)


def open_feeds_button(rotation: str) -> Block:
    """The settings modal's way to the rotation's time-off calendars."""
    return actions(
        button("Time-off calendars…", OPEN, value=rotation[:2000]), block_id="timeoff_feeds"
    )


def _synced(at: datetime | None) -> str:
    return "never synced" if at is None else f"synced {at:%Y-%m-%d %H:%M} UTC"


def _line(feed: FeedInfo) -> str:
    state = f":warning: failing: {escape(feed.last_error)}" if feed.last_error else "ok"
    unmatched = f", {feed.unmatched} matched nobody" if feed.unmatched else ""
    return (
        f"`{escape(feed.hint)}` (#{feed.id})\n{_synced(feed.synced_at)}, "
        f"{plural(feed.blocks, 'absence')} booked{unmatched}; {state}"
    )


def _remove(action_id: str, feed: FeedInfo, what: str) -> Block:
    element = button("Remove", action_id, value=str(feed.id), style="danger")
    element["confirm"] = {
        "title": plain_text("Remove the calendar?"),
        "text": plain_text(
            f"{what} still to come goes, and those days are planned again. "
            "Time off booked by hand stays."
        ),
        "confirm": plain_text("Remove"),
        "deny": plain_text("Keep it"),
    }
    return element


def _url_input(label: str, hint: str, *, optional: bool) -> Block:
    return {
        "type": "input",
        "block_id": URL_BLOCK,
        "optional": optional,
        "label": plain_text(label),
        "element": {
            "type": "url_text_input",
            "action_id": URL_ACTION,
            "placeholder": plain_text("https://…"),
        },
        "hint": plain_text(hint),
    }


def feeds_modal(
    rotation: str, feeds: Sequence[FeedInfo], *, notice: str | None = None
) -> dict[str, Any]:
    """A rotation's time-off calendars, each with Remove, and a field to add one."""
    blocks: list[Block] = [
        section(
            f"Time-off calendars of *{escape(rotation)}*: QueueDay reads them every half "
            "hour and books each absence as `/queueday away` would, matched to members "
            "by email, else by the name at the start of the event's title."
        )
    ]
    if notice:
        blocks.append(context(notice))
    blocks += [section(_line(f), accessory=_remove(REMOVE, f, "The time off it booked"))
               for f in feeds]  # fmt: skip
    if not feeds:
        blocks.append(context("No time-off calendars yet."))
    blocks += [
        _url_input(
            "Add a calendar (iCal URL)",
            "The link is a secret: it is stored, never shown again in full.",
            optional=True,
        ),
        context(WHERE_TO_FIND),
    ]
    return fit_view(
        {
            "type": "modal",
            "callback_id": FEEDS,
            "private_metadata": rotation,
            "title": plain_text("Time-off calendars"),
            "submit": plain_text("Add"),
            "close": plain_text("Back"),
            "blocks": blocks,
        }
    )


def mine_modal(feeds: Sequence[FeedInfo], *, notice: str | None = None) -> dict[str, Any]:
    """One's own settings: out-of-office calendars, each with Remove, and one to add."""
    blocks: list[Block] = [
        section(
            "*Your out-of-office calendar.* Every event in it is time off for you, in each "
            "of your rotations, exactly as `/queueday away` books it: your days in it go "
            "to others, who are told; removing the calendar removes the time off it "
            "booked, never what you booked by hand. Only you see this."
        )
    ]
    if notice:
        blocks.append(context(notice))
    blocks += [
        section(
            f"`{escape(f.hint)}` (#{f.id})\n{_synced(f.synced_at)}, "
            f"{plural(f.blocks, 'absence')} booked"
            + (f"; :warning: failing: {escape(f.last_error)}" if f.last_error else ""),
            accessory=_remove(REMOVE_MINE, f, "Your time off it booked"),
        )
        for f in feeds
    ]
    if not feeds:
        blocks.append(context("No calendar yet."))
    blocks += [
        _url_input(
            "Add your calendar (iCal URL)",
            "Use a calendar of your absences only. The link is a secret: it is stored, "
            "never shown again in full.",
            optional=True,
        ),
        context(WHERE_TO_FIND),
    ]
    return fit_view(
        {
            "type": "modal",
            "callback_id": MINE,
            "title": plain_text("My settings"),
            "submit": plain_text("Add"),
            "close": plain_text("Close"),
            "blocks": blocks,
        }
    )


def added_notice(info: FeedInfo) -> str:
    return (
        f":white_check_mark: Added `{escape(info.hint)}` (#{info.id}); it is read at the next "
        "sync, within half an hour."
    )


def removed_notice(info: FeedInfo, cancelled: Sequence[TimeOffResult]) -> str:
    return (
        f":wastebasket: Removed `{escape(info.hint)}`; "
        f"{plural(len({(r.id, r.rotation) for r in cancelled}), 'absence')} it had booked "
        "cancelled."
    )


def refused_modal(message: str) -> dict[str, Any]:
    """A refusal where a modal was expected (someone no longer an admin, say)."""
    return fit_view(
        {
            "type": "modal",
            "title": plain_text("Time-off calendars"),
            "close": plain_text("Close"),
            "blocks": [section(f":no_entry_sign: {said(message)}")],
        }
    )


def read_url(values: dict[str, Any]) -> str:
    """The URL a submitted modal holds ("" when the field was left empty)."""
    block = values.get(URL_BLOCK) or {}
    element = block.get(URL_ACTION) if isinstance(block, dict) else None
    value = element.get("value") if isinstance(element, dict) else None
    return str(value or "").strip()[: MAX_URL_INPUT + 1]
