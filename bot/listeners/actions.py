"""Button and menu actions.

Slack sends an action even for a link button (one with a `url`); unacknowledged, the
person sees a warning. Link buttons therefore use action ids starting `link:`
(`bot.views.blocks.button(..., url=...)`), all acknowledged here.
"""

from __future__ import annotations

import re

from slack_bolt import Ack, App

LINK_ACTION = re.compile(r"^link:")


def register(app: App) -> None:
    app.action(LINK_ACTION)(acknowledge_link)


def acknowledge_link(ack: Ack) -> None:
    """A link button opens its URL in the browser; nothing to do but acknowledge."""
    ack()
