"""The support tools' webhook deliveries, as each vendor documents them, signed.

Payloads follow the vendors' documented examples (field names and nesting as
documented; ids, names and texts changed): Zendesk's ticket event schema
(developer.zendesk.com, "Ticket events") and the trigger body QueueDay's setup help
gives; Intercom's notification with a conversation item (developers.intercom.com,
"Webhook models"); Jira Cloud's `jira:issue_*` events (developer.atlassian.com,
"Webhooks"); Linear's data change webhook for an Issue (linear.app/developers/webhooks).
Tests, the fuzz and bench/hooks_bench.py share them.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from bot.web.hooks_intercom import intercom_signature
from bot.web.hooks_jira import jira_signature
from bot.web.hooks_linear import linear_signature
from bot.web.hooks_zendesk import zendesk_signature

ZENDESK_SECRET = "test-zendesk-secret"
INTERCOM_SECRET = "test-intercom-client-secret"
JIRA_SECRET = "test-jira-secret"
LINEAR_SECRET = "test-linear-secret"
HOOK_SECRET = "test-hook-secret"

SECRETS = {
    "ZENDESK_WEBHOOK_SECRET": ZENDESK_SECRET,
    "INTERCOM_CLIENT_SECRET": INTERCOM_SECRET,
    "JIRA_WEBHOOK_SECRET": JIRA_SECRET,
    "LINEAR_WEBHOOK_SECRET": LINEAR_SECRET,
    "QUEUEDAY_HOOK_SECRET": HOOK_SECRET,
}


def body_of(data: Any) -> bytes:
    return json.dumps(data).encode()


def zendesk_headers(
    body: bytes, *, at: datetime | None = None, secret: str = ZENDESK_SECRET
) -> dict[str, str]:
    stamp = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "Content-Type": "application/json",
        "User-Agent": "Zendesk Webhook",
        "X-Zendesk-Webhook-Id": "01GK8E6BKWMJZD2T8Y5AXJQMG5",
        "X-Zendesk-Webhook-Signature": zendesk_signature(secret, stamp, body),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
    }


def intercom_headers(body: bytes, *, secret: str = INTERCOM_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature": intercom_signature(secret, body)}


def jira_headers(body: bytes, *, secret: str = JIRA_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature": jira_signature(secret, body)}


def linear_headers(body: bytes, *, secret: str = LINEAR_SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Linear-Delivery": "234d1a4e-b617-4388-90fe-adc3633d6b72",
        "Linear-Event": "Issue",
        "Linear-Signature": linear_signature(secret, body),
    }


def bearer_headers(body: bytes, *, secret: str = HOOK_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"}


HEADERS = {
    "zendesk": zendesk_headers,
    "intercom": intercom_headers,
    "jira": jira_headers,
    "linear": linear_headers,
    "highlights": bearer_headers,
}


def zendesk_event(
    ticket: str,
    kind: str = "created",
    *,
    status: str = "OPEN",
    priority: str = "HIGH",
    subject: str = "Checkout fails with a 500 for EU cards",
    tags: list[str] | None = None,
    type_: str = "PROBLEM",
) -> dict[str, Any]:
    """A Zendesk ticket event (`zen:event-type:ticket.<kind>`) about ticket `ticket`."""
    return {
        "account_id": 22129848,
        "detail": {
            "actor_id": "8447388090494",
            "assignee_id": "8447388090494",
            "brand_id": "8447346621310",
            "created_at": "2027-01-04T10:12:07Z",
            "custom_status": "8447320465950",
            "description": "<p>Customer <b>ann@example.com</b> says checkout fails.</p>",
            "external_id": None,
            "form_id": "8646151517822",
            "group_id": "8447320466462",
            "id": ticket,
            "is_public": True,
            "organization_id": "8447346622462",
            "priority": priority,
            "requester_id": "8447388090494",
            "status": status,
            "subject": subject,
            "submitter_id": "8447388090494",
            "tags": ["bug", "area_billing"] if tags is None else tags,
            "type": type_,
            "updated_at": "2027-01-04T10:12:07Z",
            "via": {"channel": "web_service"},
        },
        "event": {"meta": {"sequence": {"id": "NjY5MDg5Y2YtNmNmZi00", "position": 1, "total": 1}}},
        "id": f"cbe4028c-7239-495d-b020-f22348516046-{ticket}-{kind}",
        "subject": f"zen:ticket:{ticket}",
        "time": "2027-01-04T10:12:07.672Z",
        "type": f"zen:event-type:ticket.{kind}",
        "zendesk_event_version": "2022-11-06",
    }


def zendesk_rating(ticket: str, score: str = "Good", comment: str = "") -> dict[str, Any]:
    """The trigger body `queueday hooks` prints, as Zendesk renders its placeholders."""
    return {
        "ticket": {
            "id": ticket,
            "title": "Where do I change my invoice address?",
            "url": f"acme.zendesk.com/agent/tickets/{ticket}",
            "status": "Solved",
            "priority": "Normal",
            "type": "Question",
            "tags": "area_billing invoices",
        },
        "satisfaction": {"score": score, "comment": comment},
    }


def intercom_conversation(
    conversation: str,
    topic: str = "conversation.admin.noted",
    *,
    state: str = "open",
    tags: tuple[str, ...] = ("bug",),
    rating: dict[str, Any] | None = None,
    body: str = "<p>The CSV export button does nothing. Call me on +44 20 7946 0958.</p>",
) -> dict[str, Any]:
    """An Intercom notification whose item is conversation `conversation`."""
    return {
        "type": "notification_event",
        "app_id": "a86dr8yl",
        "data": {
            "type": "notification_event_data",
            "item": {
                "type": "conversation",
                "id": conversation,
                "created_at": 1799052000,
                "updated_at": 1799052345,
                "title": None,
                "waiting_since": 1799052345,
                "snoozed_until": None,
                "open": state == "open",
                "state": state,
                "read": False,
                "priority": "priority",
                "admin_assignee_id": 4324241,
                "team_assignee_id": None,
                "tags": {
                    "type": "tag.list",
                    "tags": [
                        {"type": "tag", "id": str(n + 1), "name": name, "applied_at": 1799052100}
                        for n, name in enumerate(tags)
                    ],
                },
                "conversation_rating": rating,
                "source": {
                    "type": "conversation",
                    "id": "403918330",
                    "delivered_as": "customer_initiated",
                    "subject": "",
                    "body": body,
                    "author": {"type": "user", "id": "5bc8f7ae2d96695c18a", "name": "Jo"},
                    "attachments": [],
                    "url": None,
                    "redacted": False,
                },
                "contacts": {
                    "type": "contact.list",
                    "contacts": [{"type": "contact", "id": "5bc8"}],
                },
            },
        },
        "links": {},
        "id": f"notif_ccd8a4d0-f965-11e9-b{conversation}-{topic}",
        "topic": topic,
        "delivery_status": "pending",
        "delivery_attempts": 1,
        "delivered_at": 0,
        "first_sent_at": 1799052403,
        "created_at": 1799052403,
        "self": None,
    }


def intercom_rating(conversation: str, stars: int, remark: str) -> dict[str, Any]:
    rating = {
        "rating": stars,
        "remark": remark,
        "created_at": 1799052500,
        "contact": {"type": "contact", "id": "5bc8f7ae2d96695c18a"},
        "teammate": {"type": "admin", "id": "4324241"},
    }
    return intercom_conversation(
        conversation, "conversation.rating.added", state="closed", tags=(), rating=rating
    )


def jira_issue(
    issue: str,
    key: str,
    event: str = "jira:issue_created",
    *,
    priority: str = "High",
    resolution: str | None = None,
    type_: str = "Bug",
    project: str = "SUP",
) -> dict[str, Any]:
    """A Jira Cloud issue event about issue `issue` (`key`)."""
    return {
        "timestamp": 1799052000000,
        "webhookEvent": event,
        "issue_event_type_name": "issue_created" if event.endswith("created") else "issue_generic",
        "user": {"self": "https://acme.atlassian.net/rest/api/2/user?accountId=5b10a2844c20165700ede21g",
                 "accountId": "5b10a2844c20165700ede21g", "displayName": "Ada", "active": True},
        "issue": {
            "id": issue,
            "self": f"https://acme.atlassian.net/rest/api/2/issue/{issue}",
            "key": key,
            "fields": {
                "summary": "Invoice PDF shows the wrong *VAT* rate",
                "issuetype": {"self": "https://acme.atlassian.net/rest/api/2/issuetype/10004",
                              "id": "10004", "name": type_, "subtask": False},
                "project": {"self": "https://acme.atlassian.net/rest/api/2/project/10000",
                            "id": "10000", "key": project, "name": "Support"},
                "priority": {"self": "https://acme.atlassian.net/rest/api/2/priority/2",
                             "name": priority, "id": "2"},
                "resolution": None if resolution is None else {"name": resolution, "id": "10000"},
                "components": [{"self": "https://acme.atlassian.net/rest/api/2/component/10000",
                                "id": "10000", "name": "Billing"}],
                "status": {"name": "Done" if resolution else "To Do",
                           "statusCategory": {"key": "done" if resolution else "new"}},
                "labels": [],
            },
        },
        "changelog": {"id": "10001", "items": []},
    }  # fmt: skip


PRIORITY_LABELS = {0: "No priority", 1: "Urgent", 2: "High", 3: "Medium", 4: "Low"}


def linear_issue(
    issue: str,
    number: int,
    action: str = "create",
    *,
    state: str = "unstarted",
    priority: int = 2,
    labels: tuple[str, ...] = ("Bug",),
    at_ms: int | None = None,
) -> dict[str, Any]:
    """A Linear data change webhook about issue `issue` (ENG-`number`)."""
    return {
        "action": action,
        "actor": {"id": "2e8a3b6c-1d5f", "name": "Ada", "type": "user"},
        "createdAt": "2027-01-04T10:12:07.672Z",
        "data": {
            "id": issue,
            "createdAt": "2027-01-04T10:12:07.672Z",
            "updatedAt": "2027-01-04T10:12:07.672Z",
            "number": number,
            "title": "Search drops results with accents",
            "description": "Searching **café** returns nothing; see [log](https://example.com/l).",
            "priority": priority,
            "priorityLabel": PRIORITY_LABELS[priority],
            "identifier": f"ENG-{number}",
            "url": f"https://linear.app/acme/issue/ENG-{number}/search-drops-results",
            "state": {"id": "1d2f", "name": state.title(), "color": "#e2e2e2", "type": state},
            "team": {"id": "72b2a2dc", "key": "ENG", "name": "Engineering"},
            "project": {"id": "4a1f", "name": "Search"},
            "labels": [
                {"id": f"l{n}", "name": name, "color": "#eb5757"} for n, name in enumerate(labels)
            ],
            "labelIds": [f"l{n}" for n in range(len(labels))],
        },
        "url": f"https://linear.app/acme/issue/ENG-{number}/search-drops-results",
        "type": "Issue",
        "organizationId": "5a1f8a1a-4b9c",
        "webhookTimestamp": int(time.time() * 1000) if at_ms is None else at_ms,
        "webhookId": "000042e3-d123-4980-b49f-8e140eef9329",
    }  # fmt: skip


def highlight(id_: str, text: str = "The new dashboard saves me an hour a week!") -> dict[str, Any]:
    return {
        "id": id_,
        "text": text,
        "url": "https://apps.apple.com/app/id1/reviews/9",
        "area": "dashboard",
        "author": "App Store reviewer",
        "source": "appstore",
    }
