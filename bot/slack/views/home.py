"""The App Home tab: my next days and balance, the team's next two weeks, buttons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.slack.commands import COMMAND
from bot.slack.text import escape
from bot.slack.views import format as fmt
from bot.slack.views.blocks import Block, actions, button, context, divider, header, section
from bot.slack.views.help import HELP_HINT
from bot.slack.views.limits import fit_view
from bot.slack.views.mine import Feed, feed_blocks, rotation_summary
from bot.slack.views.queue import line_sections, page_line, schedule_lines
from bot.usecases.overview import HomeOverview

OPEN_AWAY = "home:away"
OPEN_SWAP = "home:swap"
REFRESH = "home:refresh"
OPEN_MINE = "home:ooo_calendar"  # My settings: one's own out-of-office calendar


def home_view(
    user_id: str,
    *,
    overview: HomeOverview | None = None,
    feeds: Sequence[Feed] = (),
    sections: list[Block] | None = None,
    pages: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The Home tab of `user_id`: their rotations when they are in any (or `sections`),
    else a start-here guide; `pages` links each rotation's page by name."""
    blocks: list[Block] = [header("QueueDay"), section(f"Hi {fmt.mention(user_id)}!")]
    if overview is not None and overview.me.rotations:
        blocks += _overview_blocks(overview, feeds, pages or {})
    elif sections:
        blocks += sections
    else:
        blocks += [
            section(
                "QueueDay puts everyone on the support queue for a day or two each "
                "quarter, spread fairly. Your next days, the team's next two weeks and "
                "your balance show up here once you are in a rotation."
            ),
            divider(),
            section(
                f"*Get started*\n• `{COMMAND} join` to join your team's rotation\n"
                f"• `{COMMAND} my` for your next days and calendar links\n"
                f"• `{COMMAND} away jan 12..jan 16` when you are away"
            ),
        ]
    blocks.append(context(HELP_HINT))
    return fit_view({"type": "home", "blocks": blocks})


def _overview_blocks(
    overview: HomeOverview, feeds: Sequence[Feed], pages: Mapping[str, str]
) -> list[Block]:
    blocks: list[Block] = [section(rotation_summary(mine)) for mine in overview.me.rotations]
    buttons = [
        button("Book time off", OPEN_AWAY, value="away"),
        button("Swap or give away a day", OPEN_SWAP, value="swap"),
        button("Out-of-office calendar", OPEN_MINE, value="mine"),
    ]
    if feeds:
        buttons.append(button("My calendar feed", "link:feed", url=feeds[0].url))
    buttons.append(button("Refresh", REFRESH, value="refresh"))
    blocks.append(actions(*buttons))
    for fortnight in overview.fortnights:
        blocks.append(divider())
        lines = [f"*{escape(fortnight.rotation)}: the next two weeks*"]
        lines += schedule_lines(fortnight, overview.me.user)
        blocks += line_sections(lines)
        if fortnight.rotation in pages:
            blocks.append(context(page_line(pages[fortnight.rotation])))
    if feeds:
        blocks.append(divider())
        blocks += feed_blocks(feeds)
    if overview.admin_of:
        names = ", ".join(escape(n) for n in overview.admin_of)
        blocks.append(
            context(
                f"You are an admin of {names}: `{COMMAND} plan next quarter` previews the "
                f"next plan, `{COMMAND} config` changes the settings."
            )
        )
    return blocks
