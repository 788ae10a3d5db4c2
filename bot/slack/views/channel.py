"""What the rotation's channel shows: the topic, the morning handover post, and the
one-time notes to admins when Slack refuses a part of it.

Pure builders: a `QueueChannel` in, text or a message out, within Slack's limits (a topic
of 250 characters, 50 blocks, 3000 characters a text field).
"""

from __future__ import annotations

from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import Block, actions, button, context, divider, section
from bot.slack.views.limits import Message, clip, fit_message
from bot.slack.views.reminders import highlight_line, ticket_line
from bot.usecases.channel_queue import Person, QueueChannel
from scheduling.wording import plural

MAX_TOPIC = 250  # conversations.setTopic refuses more with too_long
SEPARATOR = " · "


def _names(people: tuple[Person, ...], room: int) -> str:
    """Mentions of `people`, as many as fit in `room` characters, then `+N more`."""
    shown: list[str] = []
    for n, person in enumerate(people):
        more = f" +{len(people) - n} more"
        candidate = ", ".join([*shown, fmt.mention(person.user)])
        if len(candidate) + (len(more) if n + 1 < len(people) else 0) > room:
            return ", ".join(shown) + more if shown else more.strip()
        shown.append(fmt.mention(person.user))
    return ", ".join(shown)


def topic_text(day: QueueChannel) -> str:
    """QueueDay's topic: who is on today (or that nobody is) and who is next.

    `On the support queue today: @Ada, @Ben · next: Mon @Cleo`, always within 250
    characters: the next day's people go first, then today's beyond what fits.
    """
    name = day.rotation
    if day.people:
        lead = f"On the {name} queue today: "
        today = _names(day.people, MAX_TOPIC - len(lead))
        text = lead + today
    else:
        text = f"No {name} queue today"
    if day.next_day is not None and day.next_people:
        label = f"{SEPARATOR}next: {day.next_day.strftime('%a')} "
        room = MAX_TOPIC - len(text) - len(label)
        if room >= 12:  # one mention
            text += label + _names(day.next_people, room)
    return text[:MAX_TOPIC]


def merged_topic(current: str, ours: str, *, last_set: str | None, overwrite: bool) -> str | None:
    """The topic to set so the channel shows `ours`, or None to leave it as it is.

    QueueDay owns only the text it set: in a topic that holds it along with someone
    else's words, just that part is replaced. A topic someone rewrote entirely is left
    alone (their words win) unless the admin switched `overwrite` on; an empty topic is
    QueueDay's to fill.
    """
    current = current.strip()
    if current == ours:
        return None
    if not current or overwrite or current == last_set:
        return ours
    if last_set and last_set in current:
        merged = current.replace(last_set, ours, 1)
        return merged if len(merged) <= MAX_TOPIC and merged != current else None
    return None


def morning_post(day: QueueChannel, *, swap_action: str) -> Message:
    """The handover: today's people, yesterday's reflection, tickets and a highlight."""
    name = escape(day.rotation)
    who = fmt.people(p.user for p in day.people)
    lines = [f"Good morning! On the {name} queue today: {who} (@{escape(day.handle)})."]
    blocks: list[Block] = [
        section(
            f":wave: *On the {name} queue today:* {who}\nReach them with `@{escape(day.handle)}`."
        )
    ]
    if day.handovers:
        for item in day.handovers[:3]:
            parts = []
            if item.hurt:
                parts.append(f":adhesive_bandage: *Hurt:* {escape(clip(item.hurt, 600))}")
            if item.works:
                parts.append(f":sparkles: *Works well:* {escape(clip(item.works, 600))}")
            blocks.append(
                section(f"*Handover from {fmt.mention(item.user)}:*\n" + "\n".join(parts))
            )
            lines.append(f"Handover from {fmt.mention(item.user)}.")
    else:
        blocks.append(context("No handover note from the last support day."))
    blocks.append(divider())
    count = plural(day.open_tickets, "open bug ticket")
    if day.urgent:
        urgent = "\n".join(f"• {ticket_line(t)}" for t in day.urgent)
        blocks.append(section(f":beetle: *{count}*; the most urgent:\n{urgent}"))
    else:
        blocks.append(section(f":beetle: *{count}* waiting on the queue."))
    lines.append(f"{count.capitalize()}.")
    if day.highlight is not None:
        blocks.append(section(f":sparkles: *Working well:* {highlight_line(day.highlight)}"))
        lines.append(f"Working well: {highlight_line(day.highlight)}")
    if swap_action:
        blocks.append(actions(button("Hand over or swap a day", swap_action, value="swap")))
    blocks.append(context("Threaded replies welcome: questions, context, thanks."))
    return fit_message("\n".join(lines), blocks, ephemeral=False)


PROBLEMS = {
    "group_denied": (
        "QueueDay may not edit user groups in this workspace ({error}): on free workspaces, "
        "or where only admins may manage user groups, `@{handle}` cannot be kept in step. "
        "The topic and the morning post go on; switch the group off with "
        "`/queueday config {rotation}` or let apps manage user groups."
    ),
    "group_handle": (
        "Slack refused the user group handle `@{handle}` ({error}). Pick another with "
        "`/queueday handle @name {rotation}`."
    ),
    "not_in_channel": (
        "QueueDay is not in <#{channel}>, so it cannot set the topic or post the morning "
        "handover there. Invite it with `/invite @QueueDay` in that channel."
    ),
    "channel_not_found": (
        "The channel of the {rotation} rotation (<#{channel}>) was not found: archived, "
        "deleted or private without QueueDay. Set another with `/queueday config {rotation}`."
    ),
    "too_long": (
        "Slack refused the topic of <#{channel}> as too long; QueueDay leaves the topic "
        "alone until it fits again."
    ),
    "topic_kept": (
        "Someone wrote their own topic in <#{channel}>, so QueueDay leaves it alone. To let "
        "QueueDay replace it, switch on topic overwrite in `/queueday config {rotation}`."
    ),
}


def problem_message(
    problem: str, *, rotation: str, channel: str, handle: str, error: str
) -> Message:
    """The one DM admins get when a part of the channel's queue stops working."""
    text = PROBLEMS[problem].format(
        rotation=escape(rotation), channel=channel, handle=escape(handle), error=escape(error)
    )
    heading = f"The {escape(rotation)} queue in the channel"
    return fit_message(f"{heading}: {text}", [section(f"*{heading}*\n{text}")], ephemeral=False)


def console_lines(day: QueueChannel, topic: str) -> list[str]:
    """What the channel would show, as plain lines (the console's `:remind` and `who`)."""
    members = ", ".join(day.group_users) or "(kept as it was: nobody today)"
    return [f"topic: {topic}", f"@{day.handle}: {members}"]


def handle_saved(rotation: str, handle: str, *, group_on: bool) -> Message:
    """The reply to `/queueday handle`: what the group is called now, and when it fills."""
    text = (
        f"The {escape(rotation)} queue's user group is now `@{escape(handle)}`: QueueDay "
        "sets it to the day's people at the next morning pass (it creates the group when "
        "no group has that handle)."
    )
    if not group_on:
        text += " Keeping the group in step is switched off in `/queueday config`."
    return fit_message(text, [section(text)])
