"""`queueday hooks`: each source's URL, secret variable (never the secret) and events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.hooks import ZENDESK_TRIGGER_BODY
from bot.cli.main import main
from tests.bot.web import vendor_payloads as vp


def test_hooks_prints_urls_variables_and_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the repository
    for name in vp.SECRETS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QUEUEDAY_BASE_URL", "https://q.example.com/")
    monkeypatch.setenv("JIRA_WEBHOOK_SECRET", "jira-secret-value")
    result = CliRunner().invoke(main, ["hooks", "--rotation", "web support"])
    assert result.exit_code == 0, result.output
    out = result.output
    for path in ("zendesk", "intercom", "jira", "linear", "highlights"):
        assert f"https://q.example.com/hooks/{path}?rotation=web%20support" in out
    assert "JIRA_WEBHOOK_SECRET (set)" in out and "jira-secret-value" not in out
    assert "LINEAR_WEBHOOK_SECRET (not set: the hook answers 404)" in out
    assert "conversation.rating.added" in out and "Issue: created, updated, deleted" in out
    assert json.dumps(ZENDESK_TRIGGER_BODY) in out


def test_the_zendesk_trigger_body_is_what_the_hook_reads() -> None:
    """Rendered the way Zendesk renders its placeholders, the body parses as a rating."""
    from datetime import UTC, datetime

    from bot.web.hooks_zendesk import ZendeskHook
    from bot.web.vendor_hooks import HighlightNote

    rendered = json.loads(
        json.dumps(ZENDESK_TRIGGER_BODY)
        .replace("{{ticket.id}}", "42")
        .replace("{{ticket.tags}}", "area_billing vip")
        .replace("{{satisfaction.current_rating}}", "Good")
        .replace("{{satisfaction.current_comment}}", "Lovely")
    )
    note = ZendeskHook("s").parse(rendered, datetime.now(UTC))
    assert isinstance(note, HighlightNote) and note.area == "billing" and note.text == "Lovely"
