"""The rotation settings modal (`/queueday config`), and reading its submission back.

Each input's block id is the setting it holds, so a use case's complaint about a
setting lands under that input (`response_action: errors`).
"""

from __future__ import annotations

from typing import Any

from bot.slack.text import escape
from bot.slack.views.blocks import Block, context, plain_text, section
from bot.slack.views.limits import Message, fit_message, fit_view
from bot.slack.views.rules import rules_text
from bot.slack.views.status_config import read_status, status_input
from bot.slack.views.timeoff_config import open_feeds_button
from bot.usecases.rotations import RotationChanges, RotationSettings
from scheduling.model import WEEKDAY_NAMES
from scheduling.wording import plural

CALLBACK = "config"
VALUE = "value"
WEEKDAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
REMINDERS_ON = "on"


def _input(
    block_id: str, label: str, element: Block, *, hint: str, optional: bool = False
) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label),
        "element": {**element, "action_id": VALUE},
        "hint": plain_text(hint),
        "optional": optional,
    }


def _text(initial: str | None, placeholder: str) -> Block:
    element: Block = {"type": "plain_text_input", "placeholder": plain_text(placeholder)}
    if initial:
        element["initial_value"] = initial
    return element


def _number(initial: int, low: int, high: int) -> Block:
    return {
        "type": "number_input",
        "is_decimal_allowed": False,
        "min_value": str(low),
        "max_value": str(high),
        "initial_value": str(initial),
    }


def _option(text: str, value: str) -> Block:
    return {"text": plain_text(text), "value": value}


# The admin's switches for the queue in the channel, as the modal's checkboxes.
QUEUE_SWITCHES = {
    "queue_group": "Keep the user group in step",
    "queue_topic": "Name the day's people in the topic",
    "queue_topic_overwrite": "Replace a topic someone else wrote",
    "queue_post": "Post the morning handover",
}


# The planner's rules: a minimum gap (empty: none) and the stint length.
GAP_LIMITS = (1, 366)
STINT_CHOICES = {"1": "Single days", "2": "Two-day stints (consecutive working days)"}


def _rule_inputs(settings: RotationSettings) -> list[Block]:
    """The minimum gap and stint length inputs (README: What fair means)."""
    gap: Block = {
        "type": "number_input",
        "is_decimal_allowed": False,
        "min_value": str(GAP_LIMITS[0]),
        "max_value": str(GAP_LIMITS[1]),
        "placeholder": plain_text("none"),
    }
    if settings.min_gap_days is not None:
        gap["initial_value"] = str(settings.min_gap_days)
    options = [_option(label, value) for value, label in STINT_CHOICES.items()]
    chosen = [o for o in options if o["value"] == str(settings.stint_days)] or options[:1]
    stints: Block = {"type": "radio_buttons", "options": options, "initial_option": chosen[0]}
    return [
        _input("min_gap_days", "Minimum gap", gap, optional=True,
               hint="Working days from one of a person's days (or stints) to their next; "
                    "empty for none. Where time off makes it impossible, the plan says so."),
        _input("stint_days", "Days come as", stints,
               hint="Fairness counts days either way; a lone day only where the count is "
                    "odd or time off forces it."),
    ]  # fmt: skip


def _read_rules(values: dict[str, Any], changes: RotationChanges, errors: dict[str, str]) -> None:
    """The minimum gap and stint length of a submission (a modal opened before these
    inputs existed leaves them be)."""
    if "min_gap_days" in values:
        raw = str(_value(values, "min_gap_days").get("value") or "").strip()
        low, high = GAP_LIMITS
        if not raw:
            changes["min_gap_days"] = None
        elif not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            errors["min_gap_days"] = f"Enter a whole number, {low} to {high}, or leave it empty."
        else:
            changes["min_gap_days"] = int(raw)
    if "stint_days" in values:
        picked = (_value(values, "stint_days").get("selected_option") or {}).get("value")
        if picked in STINT_CHOICES:
            changes["stint_days"] = int(picked)
        else:
            errors["stint_days"] = "Pick single days or two-day stints."


def config_modal(settings: RotationSettings) -> dict[str, Any]:
    """The settings of a rotation as a modal; submitted with callback id `config`."""
    days = [_option(label, name) for label, name in zip(WEEKDAY_LABELS, WEEKDAY_NAMES, strict=True)]
    chosen = [d for d in days if d["value"] in settings.workdays]
    workdays: Block = {"type": "checkboxes", "options": days}
    if chosen:
        workdays["initial_options"] = chosen
    reminders_option = _option("Send reminders", REMINDERS_ON)
    reminders: Block = {"type": "checkboxes", "options": [reminders_option]}
    if settings.reminders_enabled:
        reminders["initial_options"] = [reminders_option]
    queue_options = [_option(label, name) for name, label in QUEUE_SWITCHES.items()]
    queue: Block = {"type": "checkboxes", "options": queue_options}
    on = [o for o in queue_options if getattr(settings, o["value"])]
    if on:
        queue["initial_options"] = on
    blocks: list[Block] = [
        section(f"Settings of *{escape(settings.name)}*. Published days stay as they are; "
                "the next plan uses the new settings."),
        _input("timezone", "Timezone", _text(settings.timezone, "Europe/Berlin"),
               hint="An IANA name; days and reminders follow it."),
        _input("country", "Holiday country", _text(settings.country, "DE"),
               hint="ISO code (DE, US, GB…): its public holidays are not queue days.",
               optional=True),
        _input("subdivision", "Holiday region", _text(settings.subdivision, "BE"),
               hint="State or region code within the country, for regional holidays.",
               optional=True),
        _input("workdays", "Working days", workdays, hint="Days the queue is staffed."),
        _input("slots_per_day", "People per day", _number(settings.slots_per_day, 1, 1000),
               hint="How many people are on the queue each working day."),
        *_rule_inputs(settings),
        _input("reminder_time", "Reminder time",
               {"type": "timepicker", "initial_time": settings.reminder_time},
               hint="Local time in the rotation's timezone."),
        _input("reminder_days_before", "Remind days before",
               _number(settings.reminder_days_before, 0, 14),
               hint="0 sends the reminder on the day itself."),
        _input("reminders_enabled", "Reminders", reminders, hint="Untick to send none.",
               optional=True),
        _input("queue_handle", "User group handle", _text(settings.queue_handle, "support-today"),
               hint="Kept in step with the day's people each morning (README: "
                    "The queue in the channel).", optional=True),
        _input("queue_channel", "In the channel", queue, hint="What QueueDay keeps up to "
               "date in the rotation's channel.", optional=True),
        status_input(settings),
        open_feeds_button(settings.name),
        context("Closed days and the quarter start are set with the `queueday` command line."),
    ]  # fmt: skip
    return fit_view(
        {
            "type": "modal",
            "callback_id": CALLBACK,
            "private_metadata": settings.name,
            "title": plain_text("Rotation settings"),
            "submit": plain_text("Save"),
            "close": plain_text("Cancel"),
            "blocks": blocks,
        }
    )


def _value(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = values.get(block_id) or {}
    element = block.get(VALUE) or {}
    return element if isinstance(element, dict) else {}


def read_config(values: dict[str, Any]) -> tuple[RotationChanges, dict[str, str]]:
    """The changes a submitted settings modal asks for, and what could not be read.

    `values` is the view's `state.values`; the errors are keyed by block id.
    """
    changes: RotationChanges = {}
    errors: dict[str, str] = {}
    changes["timezone"] = (_value(values, "timezone").get("value") or "").strip()
    changes["country"] = (_value(values, "country").get("value") or "").strip() or None
    changes["subdivision"] = (_value(values, "subdivision").get("value") or "").strip() or None
    selected = _value(values, "workdays").get("selected_options") or []
    changes["workdays"] = [str(o.get("value")) for o in selected]
    for key in ("slots_per_day", "reminder_days_before"):
        raw = _value(values, key).get("value")
        try:
            number = int(str(raw).strip())
        except ValueError:
            errors[key] = "Enter a whole number."
        else:
            if key == "slots_per_day":
                changes["slots_per_day"] = number
            else:
                changes["reminder_days_before"] = number
    time = _value(values, "reminder_time").get("selected_time")
    if time:
        changes["reminder_time"] = str(time)
    else:
        errors["reminder_time"] = "Pick a time."
    enabled = _value(values, "reminders_enabled").get("selected_options") or []
    changes["reminders_enabled"] = any(o.get("value") == REMINDERS_ON for o in enabled)
    if "queue_handle" in values:  # a modal opened before these fields leaves them be
        changes["queue_handle"] = (_value(values, "queue_handle").get("value") or "").strip()
    if "queue_channel" in values:
        picked = {
            o.get("value") for o in _value(values, "queue_channel").get("selected_options") or []
        }
        for switch in QUEUE_SWITCHES:
            changes[switch] = switch in picked  # type: ignore[literal-required]
    _read_rules(values, changes, errors)
    read_status(values, changes)
    return changes, errors


def saved(settings: RotationSettings) -> Message:
    """The DM after the settings modal was saved: the settings as they now are."""
    region = " / ".join(x for x in (settings.country, settings.subdivision) if x) or "none"
    reminders = (
        f"at {settings.reminder_time}, {plural(settings.reminder_days_before, 'day')} before"
        if settings.reminders_enabled
        else "off"
    )
    text = (
        f":gear: Saved the settings of *{escape(settings.name)}*: timezone "
        f"{escape(settings.timezone)}, holidays {escape(region)}, working days "
        f"{' '.join(settings.workdays)}, {settings.slots_per_day} per day, reminders "
        f"{reminders}; {rules_text(settings.min_gap_days, settings.stint_days)}. "
        "The next plan uses them."
    )
    return fit_message(f"Saved the settings of {escape(settings.name)}.", [section(text)])
