"""The App Home tab."""

from __future__ import annotations

from typing import Any

from bot.commands import COMMAND
from bot.views.blocks import Block, context, divider, header, section
from bot.views.help import HELP_HINT
from bot.views.limits import fit_view


def home_view(user_id: str, *, sections: list[Block] | None = None) -> dict[str, Any]:
    """The Home tab of `user_id`: `sections` (their days, the team's fortnight, balance)
    when known, else a start-here guide."""
    blocks: list[Block] = [header("QueueDay"), section(f"Hi <@{user_id}>!")]
    if sections:
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
