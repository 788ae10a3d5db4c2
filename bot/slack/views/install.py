"""The pages a browser sees at the end of an install (OAuth mode): pure HTML builders.

Slack sends the installer back to /slack/oauth_redirect; whatever went wrong there (a
stale or reused link, another browser, a cancelled install) gets a page that says what
happened and how to go on, never a traceback or a bare status.
"""

from __future__ import annotations

from html import escape

# Bolt's failure reasons (slack_bolt.oauth.oauth_flow) -> what to tell the installer.
_REASONS = {
    "access_denied": "The install was cancelled in Slack, so nothing was installed.",
    "invalid_browser": (
        "This install was started in another browser, or the browser did not keep its "
        "cookie, so QueueDay cannot tell that it is the same install."
    ),
    "invalid_state": (
        "This install link has expired or was already used (an install must finish within "
        "a few minutes of starting, and each link works once)."
    ),
    "missing_code": "Slack's answer carried no authorization code.",
    "invalid_code": (
        "Slack did not accept the authorization code (it expires after ten minutes and "
        "works once), or the app's SLACK_CLIENT_ID, SLACK_CLIENT_SECRET or redirect URL "
        "does not match the app's settings at api.slack.com."
    ),
    "storage_error": "The install could not be saved; the database did not answer.",
    "bad_request": "The address is not one Slack sends: its code or state is too long.",
    "bad_team": "The workspace to install in (team=) is not a Slack id like T0123ABCD.",
    "busy": "Too many installs are under way right now; try again in a few minutes.",
}


def install_failed_page(reason: str, install_url: str) -> str:
    """The page for a failed install: what happened, and a link to start again."""
    told = _REASONS.get(reason, f"Slack answered {reason!r}.")
    return _page(
        "QueueDay was not installed",
        f"<p>{escape(told)}</p>"
        f'<p><a href="{escape(install_url, quote=True)}">Start the install again</a>; '
        "if it keeps failing, ask whoever runs QueueDay to check its log for "
        f"<code>{escape(reason)}</code>.</p>",
    )


def installed_page(team_name: str, org_wide: bool) -> str:
    """The page after a successful install: where QueueDay now is and what to type."""
    where = "every workspace of your organization" if org_wide else (team_name or "your workspace")
    return _page(
        "QueueDay is installed",
        f"<p>QueueDay is now installed in {escape(where)}.</p>"
        "<p>In Slack, type <code>/queueday help</code> to begin, or "
        "<code>/queueday create support #your-channel</code> to start a rotation.</p>",
    )


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
