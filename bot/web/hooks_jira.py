"""`POST /hooks/jira`: Jira Cloud issue webhooks, as tickets.

Signed as Atlassian documents for a webhook registered with a secret: X-Hub-Signature is
`sha256=` and the hex HMAC-SHA256 of the raw body (no timestamp is signed; a retry
finds the ticket by the issue's id). `jira:issue_created`, `jira:issue_updated` and
`jira:issue_deleted` carry `issue: {id, key, self, fields: {summary, issuetype,
project, priority, resolution, components, status}}`. An issue of JIRA_ISSUE_TYPE in
one of JIRA_PROJECTS is a ticket; a resolution (or deletion) closes it, none reopens
it; the priority is its severity, its first component its area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field
from starlette.datastructures import Headers

from bot.usecases import capture
from bot.web.hook_text import TITLE_LIMIT, clean
from bot.web.hooks import MAX_NAME, Refused
from bot.web.vendor_hooks import Ignored, Note, hmac_digest, names, same, secret_of, validated

if TYPE_CHECKING:
    from bot.settings import Settings

PATH = "/hooks/jira"
EVENTS = {"jira:issue_created", "jira:issue_updated", "jira:issue_deleted"}
PRIORITIES = {
    "highest": "critical",
    "blocker": "critical",
    "critical": "critical",
    "high": "high",
    "major": "high",
    "medium": "medium",
    "low": "low",
    "minor": "low",
    "lowest": "low",
    "trivial": "low",
}
Name = Annotated[str, Field(max_length=MAX_NAME)]


class Named(BaseModel):
    name: Name | None = None


class Project(BaseModel):
    key: Name | None = None
    name: Name | None = None


class Fields(BaseModel):
    summary: Annotated[str, Field(max_length=20_000)] | None = None
    issuetype: Named | None = None
    project: Project | None = None
    priority: Named | None = None
    resolution: Named | None = None
    components: Annotated[list[Named], Field(max_length=200)] | None = None


class Issue(BaseModel):
    id: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^\d+$")]
    key: Annotated[str, Field(min_length=1, max_length=100)]
    self: Annotated[str, Field(max_length=2000)] | None = None
    fields: Fields


class IssueEvent(BaseModel):
    """What QueueDay reads of Jira's issue webhook."""

    webhookEvent: Name  # noqa: N815 (Jira's name)
    issue: Issue | None = None


@dataclass(frozen=True)
class JiraHook:
    """The Jira webhook, with its settings."""

    webhook_secret: str | None = field(default=None, repr=False)
    issue_type: str = "bug"
    projects: tuple[str, ...] = ()
    title: str = "Jira"
    path: str = PATH
    secret_variable: str = "JIRA_WEBHOOK_SECRET"
    source: capture.Source = capture.Source.JIRA

    @classmethod
    def from_settings(cls, settings: Settings) -> JiraHook:
        return cls(
            secret_of(settings.jira_webhook_secret),
            settings.jira_issue_type.strip().lower(),
            names(settings.jira_projects),
        )

    @property
    def secret(self) -> str | None:
        return self.webhook_secret

    def verify(self, headers: Headers, body: bytes, now: datetime) -> None:
        assert self.webhook_secret is not None
        expected = jira_signature(self.webhook_secret, body)
        if not same(headers.get("x-hub-signature", ""), expected):
            raise Refused(401, "bad or missing X-Hub-Signature (sha256=…)")

    def parse(self, data: Any, now: datetime) -> Note | Ignored:
        event = validated(IssueEvent, data, "webhookEvent and issue (Jira's issue event)")
        if event.webhookEvent not in EVENTS:
            return Ignored(f"event {event.webhookEvent[:60]}")
        issue = event.issue
        if issue is None:
            raise Refused(400, "issue: required")
        fields = issue.fields
        kind = (fields.issuetype.name or "") if fields.issuetype else ""
        if self.issue_type and kind.lower() != self.issue_type:
            return Ignored(f"not an issue of type {self.issue_type!r}")
        project = (fields.project.key or "") if fields.project else ""
        if self.projects and project.lower() not in self.projects:
            return Ignored(f"project {project[:40]!r} is not in JIRA_PROJECTS")
        summary = clean(fields.summary, TITLE_LIMIT)
        priority = (fields.priority.name or "") if fields.priority else ""
        components = [c.name for c in fields.components or () if c.name]
        return capture.TrackerTicket(
            external_id=f"jira:{issue.id}",
            title=f"{summary or 'Issue'} ({issue.key})",
            url=_browse_url(issue.self, issue.key),
            area=components[0][: capture.MAX_AREA] if components else None,
            severity=PRIORITIES.get(priority.strip().lower()),
            closed=event.webhookEvent == "jira:issue_deleted" or fields.resolution is not None,
            author="jira",
        )


def _browse_url(api_url: str | None, key: str) -> str | None:
    """The issue's page, from its REST URL (`https://x.atlassian.net/rest/api/2/issue/1`)."""
    if not api_url:
        return None
    parts = urlsplit(api_url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}/browse/{key}"


def jira_signature(secret: str, body: bytes) -> str:
    """X-Hub-Signature as Jira computes it."""
    return "sha256=" + hmac_digest(secret, body, "sha256").hex()
