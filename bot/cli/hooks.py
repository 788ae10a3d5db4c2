"""`queueday hooks`: what to paste into Zendesk, Intercom, Jira and Linear, and where.

Prints, per source, the URL under QUEUEDAY_BASE_URL, the variable that holds its secret
(and whether it is set; the secret itself is never printed) and the events to tick in
that tool's admin screens. README, "Connecting Zendesk, Intercom, Jira and Linear",
says the same.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import click

from bot.cli.common import load_settings
from bot.web.bodies import MAX_BODY_BYTES
from bot.web.support_hooks import support_hooks

# The trigger body for Zendesk's "Notify webhook" action, in Zendesk's placeholders.
ZENDESK_TRIGGER_BODY = {
    "ticket": {
        "id": "{{ticket.id}}",
        "title": "{{ticket.title}}",
        "url": "{{ticket.link}}",
        "status": "{{ticket.status}}",
        "priority": "{{ticket.priority}}",
        "type": "{{ticket.ticket_type}}",
        "tags": "{{ticket.tags}}",
    },
    "satisfaction": {
        "score": "{{satisfaction.current_rating}}",
        "comment": "{{satisfaction.current_comment}}",
    },
}

STEPS = {
    "Zendesk": [
        "Admin Center > Apps and integrations > Webhooks > Create webhook.",
        "Either: 'Zendesk events', tick Ticket events (created, status changed, priority "
        "changed, tags changed, deleted);",
        "or: 'Trigger or automation', then a trigger (Ticket is Created or Updated; for "
        "praise, Satisfaction is Good with comment) whose action 'Notify webhook' sends "
        "this JSON body:",
        json.dumps(ZENDESK_TRIGGER_BODY),
        "Request method POST, format JSON; copy the webhook's signing secret into the "
        "variable above.",
    ],
    "Intercom": [
        "Developer Hub > your app > Webhooks: the URL above.",
        "Tick topics conversation.admin.noted, conversation.admin.closed, "
        "conversation.admin.opened, conversation_part.tag.created and "
        "conversation.rating.added.",
        "The secret is the app's client secret (Basic information page).",
    ],
    "Jira": [
        "Jira settings > System > WebHooks > Create a WebHook: the URL above and a secret.",
        "Tick Issue: created, updated, deleted (a JQL filter such as "
        "'issuetype = Bug' keeps the traffic down).",
    ],
    "Linear": [
        "Settings > API > Webhooks > New webhook: the URL above.",
        "Tick data change events: Issues. Copy the signing secret into the variable above.",
    ],
    "highlights": [
        "Any other source of praise (an NPS tool, app-store reviews, a Zapier zap): POST "
        'JSON {"id", "text", "url", "area", "author", "source"} with '
        "Authorization: Bearer <secret>.",
    ],
}


def register(main: click.Group) -> None:
    main.add_command(hooks)


@click.command()
@click.option(
    "--rotation", default=None, help="Add ?rotation=NAME (needed when there are several)."
)
def hooks(rotation: str | None) -> None:
    """Print each support tool's webhook URL, secret variable and events to tick."""
    settings = load_settings()
    base = settings.queueday_base_url.rstrip("/")
    query = f"?rotation={quote(rotation)}" if rotation else ""
    for n, vendor in enumerate(support_hooks(settings)):
        state = "set" if vendor.secret else "not set: the hook answers 404"
        if n:
            click.echo()
        click.echo(f"{vendor.title}")
        click.echo(f"  URL:    {base}{vendor.path}{query}")
        click.echo(f"  secret: {vendor.secret_variable} ({state})")
        for step in STEPS[vendor.title]:
            click.echo(f"  - {step}")
    click.echo()
    click.echo(
        f"Limits: bodies up to {MAX_BODY_BYTES // 1000} kB; a bad signature is refused "
        "with 401 and nothing stored; a delivery sent twice is stored once."
    )
