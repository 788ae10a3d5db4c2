"""The reminder DMs, the weekly digest, the end-of-day modal and the settings reply.

Every reminder carries message metadata naming its outbox row (`metadata(...)`), so
after a crash the worker can find in the conversation whether a row was already sent.
Each builder returns a message within Slack's limits with a plain-text fallback.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.slack.commands import COMMAND
from bot.slack.text import escape, link
from bot.slack.views import format as fmt
from bot.slack.views.blocks import (
    Block,
    actions,
    button,
    context,
    divider,
    header,
    plain_text,
    section,
)
from bot.slack.views.limits import Message, clip, fit_message, fit_view
from bot.slack.views.mine import feed_line
from bot.usecases.capture import Saved
from bot.usecases.delivery import (
    Content,
    DayContent,
    DigestContent,
    EndOfDayContent,
    PreviewContent,
    PublishedContent,
)
from bot.usecases.reminder_settings import ReminderSettings
from scheduling.reminders import (
    DAY_KINDS,
    MAX_ITEM_CHARS,
    MUTABLE,
    Digest,
    Highlight,
    ReminderKind,
    Ticket,
)

METADATA_EVENT = "queueday_reminder"
REFLECT = "reminder:reflect"  # the end-of-day button
REFLECTION = "reminder:reflection"  # its modal
SETTINGS_HINT = f"Change when these come, or mute some: `{COMMAND} reminders`."
DIGEST_ROWS = 20
KIND_NAMES = {
    ReminderKind.DAY_BEFORE: "day before",
    ReminderKind.MORNING_OF: "morning of",
    ReminderKind.END_OF_DAY: "end of day",
}


def metadata(row_id: int, kind: ReminderKind) -> dict[str, Any]:
    """The message metadata naming the outbox row a reminder was sent for."""
    return {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": row_id, "kind": kind}}


def outbox_id_of(message: dict[str, Any]) -> int | None:
    """The outbox row a message in a conversation was sent for, if it is a reminder."""
    meta = message.get("metadata") or {}
    if meta.get("event_type") != METADATA_EVENT:
        return None
    value = (meta.get("event_payload") or {}).get("outbox_id")
    try:
        return int(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class FeedLinkView:
    """A calendar link as shown: its title and both addresses."""

    title: str
    url: str
    webcal: str


def reminder_message(
    content: Content, *, today: date, feeds: Sequence[FeedLinkView] = (), swap_action: str = ""
) -> Message:
    """The message for one prepared reminder (not yet carrying its metadata)."""
    if isinstance(content, DayContent):
        return day_reminder(content, today=today)
    if isinstance(content, EndOfDayContent):
        return end_of_day(content, today=today)
    if isinstance(content, PublishedContent):
        return published_days(content, today=today, feeds=feeds, swap_action=swap_action)
    if isinstance(content, PreviewContent):
        return admin_preview(content, today=today)
    return weekly_digest(content, today=today)


def _heading(content: DayContent, today: date) -> str:
    when = fmt.day(content.day, today=today)
    if content.kind is ReminderKind.MORNING_OF:
        return f"You're on the support queue today ({when}, {content.rotation.name})."
    soon = fmt.relative(content.day, today)
    return (
        f"Your support-queue day is {when}{f' ({soon})' if soon else ''}, "
        f"in {content.rotation.name}."
    )


def _shortened(text: str, limit: int = MAX_ITEM_CHARS) -> str:
    """One line of at most `limit` characters (cut before escaping, so never mid-escape)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ticket_line(ticket: Ticket) -> str:
    """A ticket as mrkdwn: severity, area, title (linked when there is a URL).

    Everything here comes from trackers and imports, so all of it is escaped.
    """
    title = _shortened(ticket.title)
    shown = link(ticket.url, title) if ticket.url else escape(title)
    tags = " ".join(
        f"[{escape(tag)}]" for tag in (ticket.severity, ticket.area and f"#{ticket.area}") if tag
    )
    return f"{tags} {shown}".strip()


def highlight_line(highlight: Highlight) -> str:
    """A highlight as mrkdwn, linked when there is a URL; its text and area escaped."""
    text = _shortened(highlight.text)
    area = f" [#{escape(highlight.area)}]" if highlight.area else ""
    return f"{link(highlight.url, text) if highlight.url else escape(text)}{area}"


def digest_text(digest: Digest, heading: str) -> str:
    """The fallback `text` of a reminder (notifications, the console): escaped the same."""
    lines = [escape(heading)]
    for ticket, highlight in digest.pairs:
        lines.append(f"• Bug: {ticket_line(ticket)}")
        if highlight is not None:
            lines.append(f"  Working well: {highlight_line(highlight)}")
    for highlight in digest.extra_highlights:
        lines.append(f"• Working well: {highlight_line(highlight)}")
    if digest.note:
        lines.append(escape(digest.note))
    return clip("\n".join(lines))


def _pair_blocks(digest: Digest) -> list[Block]:
    blocks: list[Block] = []
    for ticket, highlight in digest.pairs:
        blocks.append(section(f":beetle: *Waiting on the queue:* {ticket_line(ticket)}"))
        if highlight is not None:
            blocks.append(context(f":sparkles: *Working well:* {highlight_line(highlight)}"))
    for highlight in digest.extra_highlights:
        blocks.append(section(f":sparkles: *Working well:* {highlight_line(highlight)}"))
    return blocks


def day_reminder(content: DayContent, *, today: date) -> Message:
    """The day before or the morning of: bugs waiting, each with something that works."""
    heading = _heading(content, today)
    intro = (
        "Here is what's waiting, each next to something customers say works well, "
        "so the day shows both sides of the product."
    )
    blocks: list[Block] = [section(f":wave: *{escape(heading)}*\n{intro}")]
    blocks += _pair_blocks(content.digest)
    if content.digest.note:
        blocks.append(context(escape(content.digest.note)))
    blocks.append(context(SETTINGS_HINT))
    return fit_message(digest_text(content.digest, heading), blocks, ephemeral=False)


def reflect_value(rotation: str, day: date) -> str:
    """What the end-of-day button and modal carry."""
    return json.dumps({"r": rotation, "d": day.isoformat()}, separators=(",", ":"))


def read_reflect_value(value: str) -> tuple[str, date]:
    """The rotation and day back from `reflect_value`; ValueError if it is not one."""
    data = json.loads(value or "{}")
    if not isinstance(data, dict) or not isinstance(data.get("r"), str):
        raise ValueError(f"not a reflection value: {value[:80]!r}")
    return data["r"], date.fromisoformat(str(data.get("d")))


def end_of_day(content: EndOfDayContent, *, today: date) -> Message:
    """At the end of the day: one thing that hurt, one that works well."""
    when = fmt.day(content.day, today=today)
    text = (
        f"Thanks for taking the queue today ({when}, {content.rotation.name})! "
        "What was one thing that hurt, and one thing that works well? "
        "The team sees them in Friday's digest."
    )
    text = escape(text)
    blocks = [
        section(f":sunset: {text}"),
        actions(
            button(
                "Share my day",
                REFLECT,
                value=reflect_value(content.rotation.name, content.day),
                style="primary",
            )
        ),
        context(SETTINGS_HINT),
    ]
    return fit_message(text, blocks, ephemeral=False)


def reflection_modal(rotation: str, day: date, *, today: date) -> dict[str, Any]:
    """The end-of-day modal: what hurt (a ticket), what works well (a highlight), area."""

    def field(block_id: str, label: str, hint: str, *, optional: bool = True) -> Block:
        return {
            "type": "input",
            "block_id": block_id,
            "optional": optional,
            "label": plain_text(label),
            "hint": plain_text(hint),
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": block_id != "area",
                "max_length": 40 if block_id == "area" else 1000,
            },
        }

    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": REFLECTION,
        "private_metadata": reflect_value(rotation, day),
        "title": plain_text("Your queue day"),
        "submit": plain_text("Share"),
        "close": plain_text("Cancel"),
        "blocks": [
            section(f"*{escape(rotation)}*, {fmt.day(day, today=today)}"),
            field("hurt", "One thing that hurt", "Saved as a bug ticket for the next person."),
            field("works", "One thing that works well", "Saved as a highlight."),
            field("area", "Product area", "For example billing or search.", optional=True),
        ],
    }
    return fit_view(view)


@dataclass(frozen=True)
class ReflectionForm:
    rotation: str
    day: date
    hurt: str
    works: str
    area: str | None


def read_reflection(
    view: dict[str, Any],
) -> tuple[ReflectionForm | None, dict[str, str]]:
    """The answers of a submitted reflection modal, or errors by block id."""
    values = (view.get("state") or {}).get("values") or {}

    def text(block_id: str) -> str:
        value = ((values.get(block_id) or {}).get("value") or {}).get("value")
        return str(value or "").strip()

    try:
        rotation, day = read_reflect_value(str(view.get("private_metadata") or ""))
    except ValueError:
        return None, {"hurt": "This form is out of date; use the button in the message again."}
    hurt, works = text("hurt"), text("works")
    if not hurt and not works:
        return None, {"hurt": "Say at least one thing that hurt or one that works well."}
    return ReflectionForm(rotation, day, hurt, works, text("area") or None), {}


def published_days(
    content: PublishedContent,
    *,
    today: date,
    feeds: Sequence[FeedLinkView] = (),
    swap_action: str = "",
) -> Message:
    """A quarter was published: the person's days, their calendar link, Swap."""
    period = fmt.day_range(content.start, content.end, today=today)
    name = escape(content.rotation.name)
    if content.days:
        listed = "\n".join(f"• {fmt.day(d, today=today)}" for d in content.days[:40])
        more = f"\n…and {len(content.days) - 40} more" if len(content.days) > 40 else ""
        text = (
            f"The plan for {name} ({period}) is published. "
            f"Your days on the support queue: {fmt.days(content.days, today=today)}."
        )
        lines = f":calendar: *{name}* is published for {period}. Your queue days:\n{listed}{more}"
    else:
        text = f"The plan for {name} ({period}) is published; you have no days."
        lines = f":calendar: *{name}* is published for {period}. You have no queue days in it."
    blocks: list[Block] = [section(lines)]
    if feeds:
        links = [feed_line(f.title, f.url, f.webcal) for f in feeds]
        blocks.append(section("*Keep them in your calendar*\n" + "\n".join(links)))
    else:
        blocks.append(context(f"`{COMMAND} my` shows your calendar feed link."))
    if content.days and swap_action:
        blocks.append(actions(button("Swap a day", swap_action, value="swap")))
        blocks.append(context(f"Or `{COMMAND} swap <your date> with @person`."))
    return fit_message(text, blocks, ephemeral=False)


def admin_preview(content: PreviewContent, *, today: date) -> Message:
    """Three weeks before a quarter: its plan preview, with the Publish button."""
    from bot.slack.views.admin import plan_preview

    preview = plan_preview(content.preview, "next", today)
    name = escape(content.rotation.name)
    lead = (
        f":mag: The next quarter of *{name}* starts on "
        f"{fmt.day(content.preview.start, today=today)} and is not published yet. "
        "Here is the plan QueueDay would publish; Publish sends everyone their days."
    )
    blocks = [section(lead), *preview["blocks"]]
    text = f"Next quarter of {name} is not published yet. " + preview["text"]
    return fit_message(text, blocks, ephemeral=False)


def weekly_digest(content: DigestContent, *, today: date) -> Message:
    """The week's reflections from the people on the queue, posted in the channel."""
    name = escape(content.rotation.name)
    week = fmt.day_range(content.week_start, content.week_start + timedelta(days=4), today=today)
    blocks: list[Block] = [
        header(clip(f"This week on the queue: {content.rotation.name}", 150)),
        section(f"What hurt and what works well, from the people on *{name}*'s queue ({week})."),
        divider(),
    ]
    lines = [f"This week on the queue ({name}, {week}):"]
    for item in content.reflections[:DIGEST_ROWS]:
        parts = []
        if item.hurt:
            parts.append(f":adhesive_bandage: *Hurt:* {escape(clip(item.hurt, 600))}")
        if item.works:
            parts.append(f":sparkles: *Works well:* {escape(clip(item.works, 600))}")
        area = f" · #{escape(item.area)}" if item.area else ""
        blocks.append(section(f"{fmt.mention(item.user)}{area}\n" + "\n".join(parts)))
        hurt, works = escape(clip(item.hurt or "", 300)), escape(clip(item.works or "", 300))
        lines.append(f"- {fmt.mention(item.user)}: hurt: {hurt or '-'}; works well: {works or '-'}")
    if len(content.reflections) > DIGEST_ROWS:
        blocks.append(context(f"…and {len(content.reflections) - DIGEST_ROWS} more."))
    blocks.append(
        context(
            "Each hurt is now a bug ticket and each works-well a highlight, paired in the "
            "next person's reminders."
        )
    )
    return fit_message("\n".join(lines), blocks, ephemeral=False)


def settings_message(settings: ReminderSettings, *, note: str | None = None) -> Message:
    """The reply to `/queueday reminders`: times, what is muted, how to change them."""
    times = settings.times
    zone = settings.timezone or "your rotation's timezone"
    rows = []
    for kind in DAY_KINDS:
        if kind is ReminderKind.DAY_BEFORE and times.days_before <= 0:
            state = "off for your rotation"
        elif not times.wants(kind):
            state = "muted"
        else:
            state = times.at(kind).strftime("%H:%M")
        essential = "" if kind in MUTABLE else " (always sent)"
        rows.append(f"• *{KIND_NAMES[kind]}*{essential}: {state}")
    areas = ", ".join(f"#{escape(a)}" for a in settings.areas) or "none"
    lines = [
        *([f":white_check_mark: {escape(note)}"] if note else []),
        f"*Your reminders* (local times, {escape(zone)}):",
        *rows,
        f"Areas you see first: {areas}",
    ]
    usage = (
        f"`{COMMAND} reminders mute day_before` · `{COMMAND} reminders unmute end_of_day` · "
        f"`{COMMAND} reminders at morning_of 08:30` · `{COMMAND} reminders areas billing search`"
    )
    text = "\n".join(lines)
    return fit_message(text.replace("*", ""), [section(text), context(usage)])


def reflection_saved(ticket: Saved | None, highlight: Saved | None) -> dict[str, Any]:
    """The reflection modal once stored: thanks, and where each answer went."""
    lines = [":pray: Thank you! The team sees this in Friday's digest."]
    if ticket is not None:
        lines.append(f"• What hurt is bug ticket #{ticket.id}; the next person will see it.")
    if highlight is not None:
        lines.append(f"• What works well is highlight #{highlight.id}, shown next to a bug.")
    return fit_view(
        {
            "type": "modal",
            "callback_id": REFLECTION,
            "title": plain_text("Thank you"),
            "close": plain_text("Done"),
            "blocks": [section("\n".join(lines))],
        }
    )
