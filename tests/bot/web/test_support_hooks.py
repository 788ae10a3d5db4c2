"""Zendesk, Intercom, Jira, Linear and `/hooks/highlights` through a real `queueday serve`:
signed documented payloads create, update and close tickets or add highlights, once per
delivery; bad signatures, replays, big bodies and bad JSON are refused with nothing
stored; the reminder sent afterwards quotes what came in."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.types import ASGIApp

from bot.settings import Settings
from bot.web.app import create_web_app
from bot.web.support_hooks import support_hooks
from bot.web.vendor_hooks import vendor_routes
from storage import migrate
from storage.db import make_engine
from storage.models import METADATA, Assignment, Highlight, ReminderOutbox, Ticket
from tests.bot.fake_slack import FakeSlack
from tests.bot.hostile import declared
from tests.bot.server import RunningServer, start_server
from tests.bot.slack_requests import Reply, SlackSender
from tests.bot.web import vendor_payloads as vp
from tests.bot.web.test_hooks import post
from tests.usecases.conftest import NOW, TEAM, build_team


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM) as fake:
        yield fake


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("support-hooks"))


@pytest.fixture(scope="module")
def engine(workdir: Path) -> Iterator[Engine]:
    """The server's SQLite file, with one rotation (`support`) and its published plan."""
    engine = make_engine(f"sqlite:///{workdir / 'queueday.db'}")
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        build_team(session)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def server(fake_api: FakeSlack, workdir: Path, engine: Engine) -> Iterator[RunningServer]:
    running = start_server(fake_api, workdir, **vp.SECRETS)  # type: ignore[arg-type]
    yield running
    running.stop()


@pytest.fixture
def send(server: RunningServer) -> Iterator[Callable[..., Reply]]:
    sender = SlackSender(base_url=server.url, signing_secret="unused")

    def deliver(vendor: str, data: Any, *, body: bytes | None = None, **signing: Any) -> Reply:
        raw = vp.body_of(data) if body is None else body
        return sender.request("POST", f"/hooks/{vendor}", raw, vp.HEADERS[vendor](raw, **signing))

    yield deliver
    sender.close()


def tag() -> str:
    return str(uuid.uuid4().int % 10**9)


def ticket(engine: Engine, external_id: str) -> Ticket | None:
    with Session(engine) as session:
        return session.exec(select(Ticket).where(Ticket.external_id == external_id)).first()


def tickets(engine: Engine, external_id: str) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Ticket).where(Ticket.external_id == external_id)).all())


def highlights(engine: Engine, external_id: str) -> list[Highlight]:
    with Session(engine) as session:
        query = select(Highlight).where(Highlight.external_id == external_id)
        return list(session.exec(query))


def ok(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.json()
    data: dict[str, Any] = reply.json()
    return data


def test_zendesk_ticket_events_create_update_and_close(
    send: Callable[..., Reply], engine: Engine
) -> None:
    number = tag()
    created = ok(send("zendesk", vp.zendesk_event(number)))
    assert created["created"] and created["rotation"] == "support" and created["state"] == "open"
    row = ticket(engine, f"zendesk:{number}")
    assert row is not None and row.severity == "high" and row.product_area == "billing"
    assert row.text == f"Checkout fails with a 500 for EU cards (Zendesk #{number})"
    again = ok(send("zendesk", vp.zendesk_event(number)))  # Zendesk's retry
    assert (
        not again["created"] and not again["changed"] and tickets(engine, f"zendesk:{number}") == 1
    )
    urgent = ok(send("zendesk", vp.zendesk_event(number, "priority_changed", priority="URGENT")))
    assert urgent["changed"] and ticket(engine, f"zendesk:{number}").severity == "critical"  # type: ignore[union-attr]
    solved = ok(send("zendesk", vp.zendesk_event(number, "status_changed", status="SOLVED")))
    assert solved["state"] == "closed" and tickets(engine, f"zendesk:{number}") == 1


def test_zendesk_questions_without_the_tag_are_left_out(
    send: Callable[..., Reply], engine: Engine
) -> None:
    number = tag()
    reply = send("zendesk", vp.zendesk_event(number, tags=["billing"], type_="QUESTION"))
    assert reply.status == 202 and "bug" in reply.json()["ignored"]
    assert tickets(engine, f"zendesk:{number}") == 0
    tagged = ok(send("zendesk", vp.zendesk_event(number, tags=["Bug"], type_="QUESTION")))
    assert tagged["created"]


def test_zendesk_good_ratings_with_a_comment_become_highlights(
    send: Callable[..., Reply], engine: Engine
) -> None:
    number = tag()
    comment = (
        "<p>Sam fixed my invoice in <b>minutes</b>, thank you! Reach me at sam@example.org</p>"
    )
    first = ok(send("zendesk", vp.zendesk_rating(number, "Good", comment)))
    assert first["created"] and "highlight" in first
    ok(send("zendesk", vp.zendesk_rating(number, "Good", comment)))
    [row] = highlights(engine, f"zendesk:satisfaction:{number}")
    assert row.text == "Sam fixed my invoice in minutes, thank you! Reach me at [email]"
    assert (
        row.product_area == "billing"
        and row.url == f"https://acme.zendesk.com/agent/tickets/{number}"
    )
    bad = send("zendesk", vp.zendesk_rating(tag(), "Bad", "Slow answers"))
    silent = send("zendesk", vp.zendesk_rating(tag(), "Good", ""))
    assert bad.status == 202 and silent.status == 202
    # Not rated yet: the same trigger body is about the ticket (a question: left out).
    offered = send("zendesk", vp.zendesk_rating(tag(), "Offered", ""))
    assert offered.status == 202 and "problem" in offered.json()["ignored"]


def test_intercom_bug_conversations_and_good_ratings(
    send: Callable[..., Reply], engine: Engine
) -> None:
    conversation = tag()
    opened = ok(send("intercom", vp.intercom_conversation(conversation)))
    row = ticket(engine, f"intercom:{conversation}")
    assert opened["created"] and row is not None and row.severity == "high"
    assert (
        row.text
        == f"The CSV export button does nothing. Call me on [phone]. (Intercom {conversation})"
    )
    ok(send("intercom", vp.intercom_conversation(conversation)))
    closed = ok(
        send(
            "intercom",
            vp.intercom_conversation(conversation, "conversation.admin.closed", state="closed"),
        )
    )
    assert closed["state"] == "closed" and tickets(engine, f"intercom:{conversation}") == 1
    untagged = send("intercom", vp.intercom_conversation(tag(), tags=("billing",)))
    assert untagged.status == 202
    praised = ok(send("intercom", vp.intercom_rating(conversation, 5, "Super quick, **loved** it")))
    assert praised["created"]
    [praise] = highlights(engine, f"intercom:rating:{conversation}")
    assert praise.text == "Super quick, loved it"
    meh = send("intercom", vp.intercom_rating(tag(), 3, "It was fine"))
    assert meh.status == 202
    ping = send("intercom", {"type": "notification_event", "topic": "ping", "data": {"item": {}}})
    assert ping.status == 202 and ping.json()["ignored"] == "ping"


def test_jira_bugs_are_created_updated_and_resolved(
    send: Callable[..., Reply], engine: Engine
) -> None:
    issue = tag()
    key = f"SUP-{issue}"
    created = ok(send("jira", vp.jira_issue(issue, key)))
    row = ticket(engine, f"jira:{issue}")
    assert created["created"] and row is not None
    assert (row.text, row.severity, row.product_area) == (
        f"Invoice PDF shows the wrong VAT rate ({key})",
        "high",
        "billing",
    )
    assert row.url == f"https://acme.atlassian.net/browse/{key}"
    ok(send("jira", vp.jira_issue(issue, key)))
    raised = ok(send("jira", vp.jira_issue(issue, key, "jira:issue_updated", priority="Highest")))
    assert raised["changed"] and raised["state"] == "open"
    done = ok(send("jira", vp.jira_issue(issue, key, "jira:issue_updated", resolution="Done")))
    assert done["state"] == "closed" and tickets(engine, f"jira:{issue}") == 1
    story = send("jira", vp.jira_issue(tag(), "SUP-9", type_="Story"))
    assert story.status == 202


def test_linear_bugs_are_created_updated_and_completed(
    send: Callable[..., Reply], engine: Engine
) -> None:
    issue = f"{uuid.uuid4()}"
    created = ok(send("linear", vp.linear_issue(issue, 12)))
    row = ticket(engine, f"linear:{issue}")
    assert created["created"] and row is not None
    assert (row.text, row.severity, row.product_area) == (
        "Search drops results with accents (ENG-12)",
        "high",
        "search",
    )
    ok(send("linear", vp.linear_issue(issue, 12)))
    urgent = ok(send("linear", vp.linear_issue(issue, 12, "update", state="started", priority=1)))
    assert urgent["changed"] and ticket(engine, f"linear:{issue}").severity == "critical"  # type: ignore[union-attr]
    done = ok(send("linear", vp.linear_issue(issue, 12, "update", state="completed")))
    assert done["state"] == "closed" and tickets(engine, f"linear:{issue}") == 1
    feature = send("linear", vp.linear_issue(str(uuid.uuid4()), 13, labels=("Feature",)))
    assert feature.status == 202


def test_the_highlights_hook_stores_once_per_id(send: Callable[..., Reply], engine: Engine) -> None:
    number = tag()
    first = ok(send("highlights", vp.highlight(number)))
    again = ok(send("highlights", vp.highlight(number)))
    assert first["created"] and not again["created"]
    [row] = highlights(engine, f"hook:appstore:{number}")
    assert (row.product_area, row.source, row.author) == (
        "dashboard",
        "hook",
        "appstore: App Store reviewer",
    )
    wrong = send("highlights", {"id": number, "text": "x", "stars": 5})
    assert wrong.status == 400 and wrong.json()["error"].startswith("stars")


def _a_delivery(vendor: str, number: str) -> dict[str, Any]:
    return {
        "zendesk": lambda: vp.zendesk_event(number),
        "intercom": lambda: vp.intercom_conversation(number),
        "jira": lambda: vp.jira_issue(number, f"SUP-{number}"),
        "linear": lambda: vp.linear_issue(number, 7),
        "highlights": lambda: vp.highlight(number),
    }[vendor]()


def _stored(engine: Engine, number: str) -> int:
    with Session(engine) as session:
        found = session.exec(
            select(Ticket.id).where(col(Ticket.external_id).contains(number))
        ).all()
        praised = session.exec(
            select(Highlight.id).where(col(Highlight.external_id).contains(number))
        ).all()
    return len(found) + len(praised)


VENDORS = ["zendesk", "intercom", "jira", "linear", "highlights"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_bad_requests_are_refused_and_store_nothing(
    vendor: str, send: Callable[..., Reply], engine: Engine, server: RunningServer
) -> None:
    number = tag()
    data = _a_delivery(vendor, number)
    forged = send(vendor, data, secret="not-the-secret")
    assert forged.status == 401 and forged.json()["status"] == 401
    too_big = declared(server.url, f"/hooks/{vendor}", 1_100_000)  # refused unread
    assert too_big.status == 413
    broken = send(vendor, None, body=b'{"id": ' + number.encode())
    assert broken.status == 400 and broken.json()["error"].startswith("body: not JSON")
    shapeless = send(vendor, [data])
    assert shapeless.status == 400 and "JSON object" in shapeless.json()["error"]
    assert _stored(engine, number) == 0


def test_replays_are_refused(send: Callable[..., Reply], engine: Engine) -> None:
    number = tag()
    old = datetime.now(UTC) - timedelta(minutes=6)
    stale = send("zendesk", vp.zendesk_event(number), at=old)
    assert stale.status == 401 and "replay" in stale.json()["error"]
    ms = int((datetime.now(UTC) - timedelta(seconds=90)).timestamp() * 1000)
    late = send("linear", vp.linear_issue(number, 8, at_ms=ms))
    assert late.status == 401 and "webhookTimestamp" in late.json()["error"]
    assert _stored(engine, number) == 0


def test_fields_of_the_wrong_type_are_named(send: Callable[..., Reply]) -> None:
    event = vp.zendesk_event(tag())
    event["detail"]["tags"] = {"bug": True}
    reply = send("zendesk", event)
    assert reply.status == 400 and reply.json()["error"].startswith("detail.tags")
    issue = vp.jira_issue(tag(), "SUP-1")
    issue["issue"]["fields"]["priority"] = "High"
    assert send("jira", issue).json()["error"].startswith("issue.fields.priority")
    linear = vp.linear_issue(tag(), 1)
    linear["data"]["priority"] = 9
    assert send("linear", linear).json()["error"].startswith("priority")


def test_hooks_without_their_secret_answer_404(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'off.db'}")
    METADATA.create_all(engine)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    routes = vendor_routes(
        engine, support_hooks(settings), team_id=TEAM, clock=lambda: datetime.now(UTC)
    )
    app: ASGIApp = create_web_app(None, routes=routes)
    for vendor in VENDORS:
        body = vp.body_of(_a_delivery(vendor, "1"))
        status, data = post(app, f"/hooks/{vendor}", body, vp.HEADERS[vendor](body))
        assert status == 404 and "set " in data["error"], vendor
    engine.dispose()


def test_a_reminder_quotes_what_the_tools_sent(
    send: Callable[..., Reply], engine: Engine, fake_api: FakeSlack
) -> None:
    """After the deliveries, the day-before DM pairs a vendor's bug with a vendor's praise."""
    from tests.bot.worker.test_reminder_worker import first_published_after, run_at, sender

    fake_api.reset()
    issue = tag()
    ok(send("jira", {**vp.jira_issue(issue, f"SUP-{issue}", priority="Highest")}))
    word = "".join(chr(ord("a") + int(d)) for d in issue)  # digits would read as a phone
    praise = f"Billing export {word} is a joy to use"
    ok(send("zendesk", vp.zendesk_rating(tag(), "Good", praise)))
    with Session(engine) as session:
        # A day after the plan was published (NOW): its reminders were queued before.
        day, user = first_published_after(session, NOW.date() + timedelta(days=2))
        row = session.exec(
            select(ReminderOutbox)
            .join(Assignment, col(Assignment.id) == ReminderOutbox.assignment_id)
            .where(ReminderOutbox.kind == "day_before", Assignment.day == day)
        ).one()
    run_at(sender(engine, fake_api), row.due_at)
    texts = [json.dumps(m.get("blocks")) for m in fake_api.messages() if m["channel"] == f"D{user}"]
    quoted = [t for t in texts if f"SUP-{issue}" in t]
    assert quoted, texts
    assert praise in quoted[0]
