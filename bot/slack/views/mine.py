"""`/queueday my`: a person's next days, balance, time off and calendar links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.slack.commands import COMMAND
from bot.slack.text import escape, link
from bot.slack.views import format as fmt
from bot.slack.views.blocks import Block, actions, button, context, header, section
from bot.slack.views.limits import Message, fit_message
from bot.usecases.overview import MyOverview, MyRotation
from scheduling.wording import plural

RESET_FEED = "feeds:reset"


@dataclass(frozen=True)
class Feed:
    """A calendar feed link as shown: its title, its https:// and webcal:// addresses."""

    title: str
    url: str
    webcal: str


def rotation_summary(mine: MyRotation) -> str:
    """A rotation's part of `my`: next days, balance, time off, waiting requests."""
    role = " (admin)" if mine.role == "admin" else ""
    lines = [f"*{escape(mine.rotation)}*{role}"]
    if mine.next_days:
        shown = ", ".join(
            f"{fmt.day(d, today=mine.today)} ({fmt.relative(d, mine.today)})"
            for d in mine.next_days[:5]
        )
        more = f" and {mine.upcoming - 5} more" if mine.upcoming > 5 else ""
        lines.append(f":calendar: Next days: {shown}{more}")
    else:
        lines.append(":calendar: No days ahead in the published plan.")
    lines.append(
        f":scales: Balance {fmt.balance(mine.balance)} today, "
        f"{fmt.balance(mine.projected)} after the published plan "
        f"(done {mine.done}, ahead {mine.upcoming})"
    )
    for first, last, note in mine.away[:3]:
        reason = f" ({escape(note)})" if note else ""
        lines.append(f":palm_tree: Away {fmt.day_range(first, last, today=mine.today)}{reason}")
    if mine.requests:
        count = len(mine.requests)
        verb = "waits" if count == 1 else "wait"
        asked = plural(count, "swap or cover request")
        lines.append(f":incoming_envelope: {asked} {verb} for you (see your DMs)")
    if mine.open_covers:
        count = len(mine.open_covers)
        verb = "needs" if count == 1 else "need"
        days = plural(count, "day")
        lines.append(
            f":raising_hand: {days} in the channel {verb} someone to take over "
            "(anyone may take one: *Take it* on the request)"
        )
    return "\n".join(lines)


def feed_line(title: str, url: str, webcal: str) -> str:
    """A calendar feed as a line: its title, the subscribe link, and the web link.

    The web link is labelled by its real scheme (`http link` under an http base URL).
    """
    scheme = url.partition("://")[0].lower() or "web"
    return f"• {escape(title)}: {link(webcal, 'subscribe')} · {link(url, f'{scheme} link')}"


def feed_blocks(feeds: Sequence[Feed]) -> list[Block]:
    """Calendar links with a button to reset them (the old links then stop working)."""
    if not feeds:
        return []
    lines = ["*Calendar feeds* (subscribe in your calendar app; keep the links private)"]
    lines += [feed_line(f.title, f.url, f.webcal) for f in feeds]
    return [
        section("\n".join(lines)),
        actions(button("Reset my links", RESET_FEED, value="reset", style="danger")),
    ]


def my_message(overview: MyOverview, feeds: Sequence[Feed] = ()) -> Message:
    """The reply to `/queueday my`."""
    if not overview.rotations:
        text = (
            f"You are not in a rotation yet. `{COMMAND} join &lt;rotation&gt;` joins one; "
            f"`{COMMAND} help` shows everything."
        )
        return fit_message(text, [section(text)])
    blocks: list[Block] = [header("Your queue days")]
    blocks += [section(rotation_summary(mine)) for mine in overview.rotations]
    blocks += feed_blocks(feeds)
    blocks.append(
        context(
            f"`{COMMAND} away &lt;dates&gt;` when you are away · "
            f"`{COMMAND} swap &lt;your date&gt; with @person` to trade a day"
        )
    )
    plain = "; ".join(
        f"{escape(m.rotation)}: next {fmt.days(m.next_days[:3], today=m.today)}, "
        f"balance {fmt.balance(m.balance)}"
        for m in overview.rotations
    )
    return fit_message("Your queue days: " + plain, blocks)


def calendar_message(feeds: Sequence[Feed]) -> Message:
    """The reply to `/queueday calendar`: the links, and a button to reset one's own."""
    if not feeds:
        text = (
            "You have no calendar links yet: they come with your first rotation "
            f"(`{COMMAND} join &lt;rotation&gt;`)."
        )
        return fit_message(text, [section(text)])
    blocks = [
        *feed_blocks(feeds),
        context(
            "Your link shows your published days in every rotation; a rotation's link "
            "shows everyone's. Resetting yours makes the old link stop working. "
            f"`{COMMAND} my` shows your days."
        ),
    ]
    return fit_message("Your calendar links: " + ", ".join(f.url for f in feeds), blocks)
