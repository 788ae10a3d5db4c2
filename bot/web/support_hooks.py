"""The support tools' webhooks QueueDay serves, built from the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.web.hooks_highlights import HighlightsHook
from bot.web.hooks_intercom import IntercomHook
from bot.web.hooks_jira import JiraHook
from bot.web.hooks_linear import LinearHook
from bot.web.hooks_zendesk import ZendeskHook
from bot.web.vendor_hooks import Vendor

if TYPE_CHECKING:
    from bot.settings import Settings


def support_hooks(settings: Settings) -> list[Vendor]:
    """Zendesk, Intercom, Jira, Linear and the generic highlights hook, in that order."""
    return [
        ZendeskHook.from_settings(settings),
        IntercomHook.from_settings(settings),
        JiraHook.from_settings(settings),
        LinearHook.from_settings(settings),
        HighlightsHook.from_settings(settings),
    ]
