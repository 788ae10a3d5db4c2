"""The rotation page's link for Slack replies (`schedule`, `stats`, App Home)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlmodel import Session

from bot.services import Services
from bot.usecases.page import page_link

# Slack fetches an image block's URL itself: a link only this machine can reach would
# make Slack refuse the whole message, so the chart is left out for these hosts.
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


def page_url_of(session: Session, services: Services, *, team_id: str, rotation: str) -> str | None:
    """The rotation page's link; None if this server signs no links."""
    if services.secret_key is None:
        return None
    link = page_link(
        session,
        team_id=team_id,
        rotation=rotation,
        now=services.clock(),
        secret=services.secret_key,
        base_url=services.base_url,
    )
    return link.url


def chart_url_of(page_url: str | None) -> str | None:
    """The fairness PNG's link beside the page, when Slack could fetch it."""
    if page_url is None:
        return None
    host = urlsplit(page_url).hostname or ""
    if host in _LOCAL_HOSTS or host.endswith(".localhost"):
        return None
    return page_url + "/fairness.png"
