"""The App Home's modals: booking time off, and swapping or giving away a day.

Each input's block id names what it holds; `read_*` turns a submission's state back
into values, with errors keyed by block id for `response_action: errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.slack.views import format as fmt
from bot.slack.views.blocks import Block, plain_text, section
from bot.slack.views.limits import fit_view
from bot.usecases.overview import MyOverview

AWAY = "away"
SWAP = "swap"
VALUE = "value"


def _input(block_id: str, label: str, element: Block, *, optional: bool = False) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label),
        "element": {**element, "action_id": VALUE},
        "optional": optional,
    }


def _modal(callback: str, title: str, blocks: list[Block], submit: str | None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback,
        "title": plain_text(title),
        "close": plain_text("Cancel"),
        "blocks": blocks,
    }
    if submit is not None:
        view["submit"] = plain_text(submit)
    return fit_view(view)


def away_modal(today: date) -> dict[str, Any]:
    """First and last day away and a reason; the person's days then go to others."""
    return _modal(
        AWAY,
        "Book time off",
        [
            section("Your queue days in these dates go to others; your fair share stays."),
            _input("first", "First day", {"type": "datepicker", "initial_date": today.isoformat()}),
            _input("last", "Last day", {"type": "datepicker"}, optional=True),
            _input(
                "note", "Reason", {"type": "plain_text_input", "max_length": 200}, optional=True
            ),
        ],
        "Book",
    )


def _state(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    element = (values.get(block_id) or {}).get(VALUE) or {}
    return element if isinstance(element, dict) else {}


def _date(values: dict[str, Any], block_id: str) -> date | None:
    raw = _state(values, block_id).get("selected_date")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@dataclass(frozen=True)
class AwayForm:
    first: date
    last: date
    note: str


def read_away(values: dict[str, Any]) -> tuple[AwayForm | None, dict[str, str]]:
    """The time off a submitted away modal asks for, or the errors by block id."""
    first = _date(values, "first")
    if first is None:
        return None, {"first": "Pick the first day."}
    last = _date(values, "last") or first
    if last < first:
        return None, {"last": "The last day is before the first."}
    note = (_state(values, "note").get("value") or "").strip()
    return AwayForm(first, last, note), {}


def swap_modal(overview: MyOverview) -> dict[str, Any]:
    """Pick one of one's next days, then someone to swap with or to give it to."""
    options = [
        {
            "text": plain_text(f"{fmt.day(d, today=mine.today)} · {mine.rotation}"[:75]),
            "value": f"{mine.rotation}|{d.isoformat()}",
        }
        for mine in overview.rotations
        for d in mine.next_days
    ][:100]
    if not options:
        return _modal(
            SWAP,
            "Swap a day",
            [section("You have no queue days ahead to swap or give away.")],
            None,
        )
    kinds = [
        {"text": plain_text("Swap it for one of their days"), "value": "swap"},
        {"text": plain_text("Ask them (or anyone) to take it"), "value": "cover"},
    ]
    return _modal(
        SWAP,
        "Swap a day",
        [
            _input("my_day", "Your day", {"type": "static_select", "options": options}),
            _input(
                "kind",
                "What",
                {"type": "radio_buttons", "options": kinds, "initial_option": kinds[0]},
            ),
            _input("person", "With", {"type": "users_select"}, optional=True),
            _input("their_day", "Their day (for a swap)", {"type": "datepicker"}, optional=True),
            section("Leave *Their day* empty to be offered their day nearest to yours."),
        ],
        "Ask",
    )


@dataclass(frozen=True)
class SwapForm:
    rotation: str
    day: date
    kind: str  # "swap" or "cover"
    person: str | None
    their_day: date | None


def read_swap(values: dict[str, Any]) -> tuple[SwapForm | None, dict[str, str]]:
    """The request a submitted swap modal asks for, or the errors by block id."""
    chosen = (_state(values, "my_day").get("selected_option") or {}).get("value") or ""
    rotation, _, iso = str(chosen).partition("|")
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return None, {"my_day": "Pick one of your days."}
    kind = (_state(values, "kind").get("selected_option") or {}).get("value") or "swap"
    person = _state(values, "person").get("selected_user") or None
    if kind == "swap" and person is None:
        return None, {"person": "Pick who to swap with."}
    return SwapForm(rotation, day, str(kind), person, _date(values, "their_day")), {}
