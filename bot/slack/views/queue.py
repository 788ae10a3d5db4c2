"""Replies that show the queue: who is on a day, a quarter's schedule, the fairness report."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.slack.commands import COMMAND
from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import Block, context, header, section
from bot.slack.views.limits import Message, fit_message
from bot.usecases.overview import QueueDay, Schedule
from bot.usecases.reports import FairnessReport, MemberBalance
from scheduling.wording import plural

# Lines per section: keeps each section's text well inside Slack's 3000 characters.
SECTION_CHARS = 2800
FURTHEST = 5
STATS_ROWS = 120


def _when(value: date, today: date) -> str:
    relative = fmt.relative(value, today)
    return relative if relative in ("today", "tomorrow") else f"on {fmt.day(value, today=today)}"


def who_message(rotation: str, today: date, on: QueueDay) -> Message:
    """Who is on the queue on a day (posted in the channel)."""
    when = _when(on.day, today)
    past = on.day < today
    if on.people:
        verb = ("was" if past else "is") if len(on.people) == 1 else ("were" if past else "are")
        text = (
            f":headphones: {fmt.people(u for u, _ in on.people)} {verb} on the "
            f"*{escape(rotation)}* queue {when}."
        )
        names = ", ".join(escape(n) for _, n in on.people)
        plain = f"{names} {verb} on the {escape(rotation)} queue {when}."
    elif on.closed is not None:
        closed = escape(on.closed)
        text = f":palm_tree: Nobody is on the *{escape(rotation)}* queue {when}: it is {closed}."
        plain = f"Nobody is on the {escape(rotation)} queue {when}: it is {closed}."
    else:
        text = (
            f":grey_question: Nobody is on the *{escape(rotation)}* queue {when} "
            "(no plan is published for that day)."
        )
        plain = f"Nobody is on the {escape(rotation)} queue {when}."
    blocks = [section(text)]
    if on.handle and on.people and on.day == today:  # what the channel's group holds
        blocks.append(context(f"Reach them with `@{escape(on.handle)}`."))
    return fit_message(plain, blocks, ephemeral=False)


def line_sections(lines: Iterable[str], limit: int = SECTION_CHARS) -> list[Block]:
    """Lines packed into as few sections as fit Slack's text limit."""
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) + 1 > limit:
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line[:limit])
        size += len(line) + 1
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def schedule_lines(schedule: Schedule, user: str | None = None) -> list[str]:
    """One line a day: `Tue 12 Jan  @ada, @ben`, the person's own days in bold."""
    lines = []
    for on in schedule.days:
        label = fmt.day(on.day, today=schedule.today)
        if on.people:
            names = ", ".join(
                f"*{fmt.mention(u)}*" if u == user else fmt.mention(u) for u, _ in on.people
            )
        elif on.closed:
            names = f"_{escape(on.closed)}_"
        else:
            names = "_nobody yet_"
        marker = ":arrow_right: " if on.day == schedule.today else ""
        lines.append(f"{marker}`{label:<15}` {names}")
    return lines


def page_line(page_url: str) -> str:
    """The link to the rotation page, for a context block."""
    return f":bar_chart: <{page_url}|The quarter at a glance and the fairness chart>"


def schedule_message(
    schedule: Schedule, user: str, which: str, *, page_url: str | None = None
) -> Message:
    """A quarter's published days, a line a day, grouped by month; the rotation page's
    link when the server signs links."""
    period = fmt.day_range(schedule.start, schedule.end, today=schedule.today)
    title = f"{schedule.rotation}: {which} quarter"
    if not schedule.published:
        text = (
            f":calendar: Nothing is published for *{escape(schedule.rotation)}* in the "
            f"{which} quarter ({period}) yet. An admin previews it with "
            f"`{COMMAND} plan {which} quarter {escape(schedule.rotation)}`."
        )
        extra = [context(page_line(page_url))] if page_url else []
        return fit_message(text, [section(text), *extra])
    blocks: list[Block] = [header(title), context(f"{period} · your days in bold")]
    months: dict[tuple[int, int], list[QueueDay]] = {}
    for on in schedule.days:
        months.setdefault((on.day.year, on.day.month), []).append(on)
    for (year, month), days in months.items():
        part = Schedule(
            schedule.rotation,
            days[0].day,
            days[-1].day,
            schedule.today,
            tuple(days),
            schedule.published_version,
        )
        month_lines = [f"*{fmt.MONTHS[month - 1]} {year}*", *schedule_lines(part, user)]
        blocks += line_sections(month_lines)
    mine = [on.day for on in schedule.days if any(u == user for u, _ in on.people)]
    blocks.append(
        context(
            f"Your days this period: {fmt.days(mine, today=schedule.today)} · "
            f"`{COMMAND} swap &lt;your date&gt; with @person` to trade one"
        )
    )
    if page_url:
        blocks.append(context(page_line(page_url)))
    plain = f"{escape(title)} ({period}): " + "; ".join(
        f"{fmt.day(on.day, today=schedule.today)} {', '.join(escape(n) for _, n in on.people)}"
        for on in schedule.days
        if on.people
    )
    return fit_message(plain, blocks)


def _row(m: MemberBalance) -> str:
    return (
        f"{fmt.mention(m.user)}  done {m.done}, ahead {m.upcoming}, "
        f"this quarter {m.this_quarter} · balance {fmt.balance(m.balance)} "
        f"→ {fmt.balance(m.projected)}"
    )


def stats_message(
    report: FairnessReport,
    user: str,
    *,
    page_url: str | None = None,
    chart_url: str | None = None,
) -> Message:
    """The fairness report: the largest gap, who is furthest from fair, everyone's line;
    with the rotation page's fairness chart as an image when Slack can fetch it (the
    lines below stay, as the text alternative)."""
    on_team = [m for m in report.members if m.on_team]
    quarter = (
        f" · this quarter {fmt.day_range(*report.quarter, today=report.today)}"
        if report.quarter
        else ""
    )
    blocks: list[Block] = [
        header(f"{report.rotation}: fairness"),
        section(
            f"*{plural(len(on_team), 'person')}* on the team. Largest gap from a fair share: "
            f"*{fmt.balance_days(report.max_abs_balance)}* today, "
            f"*{fmt.balance_days(report.max_abs_projected)}* at the end of what is published "
            f"({fmt.day(report.horizon, today=report.today)})."
        ),
        context(
            "Balance = days done minus fair share; +1 is one day more than fair. "
            f"Shown as today → end of the published plan{quarter}. "
            f"`{COMMAND} schedule` shows the days."
        ),
    ]
    if chart_url:
        blocks.append(
            {
                "type": "image",
                "image_url": chart_url,
                "alt_text": (
                    f"Fairness chart of {report.rotation}: each person's balance today and "
                    "at the end of what is published, as bars around zero (listed below)."
                )[:2000],
            }
        )
    if page_url:
        blocks.append(context(page_line(page_url)))
    furthest = sorted(on_team, key=lambda m: (-abs(m.projected), m.name))[:FURTHEST]
    if furthest:
        blocks.append(
            section("*Furthest from fair*\n" + "\n".join(f"• {_row(m)}" for m in furthest))
        )
    everyone = sorted(on_team, key=lambda m: (m.user != user, m.name.lower(), m.user))
    lines = ["*Everyone* (you first)"] + [f"• {_row(m)}" for m in everyone[:STATS_ROWS]]
    if len(everyone) > STATS_ROWS:
        lines.append(f"…and {len(everyone) - STATS_ROWS} more (`queueday export` has them all)")
    blocks += line_sections(lines)
    me = next((m for m in report.members if m.user == user), None)
    plain = f"{escape(report.rotation)}: largest gap {fmt.balance_days(report.max_abs_projected)}"
    if me is not None:
        plain += (
            f"; your balance {fmt.balance(me.balance)} (after the plan {fmt.balance(me.projected)})"
        )
    return fit_message(plain, blocks)
