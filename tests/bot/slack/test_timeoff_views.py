"""The time-off builders: one DM per person a sync gives days to, and the calendar modals
within Slack's limits, URLs shown by their hint only."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.slack.views.timeoff import handovers
from bot.slack.views.timeoff_config import feeds_modal, mine_modal
from bot.usecases.time_off import TimeOffResult
from bot.usecases.timeoff_feeds import FeedInfo
from scheduling.model import DayEntry
from tests.bot.slack.test_views import assert_within_limits, texts

D1, D2, D3 = date(2027, 1, 11), date(2027, 1, 12), date(2027, 1, 13)


def result(user: str, *given: DayEntry) -> TimeOffResult:
    return TimeOffResult(1, user, D1, D3, (), tuple(given), rotation="support")


def test_a_person_given_days_of_several_absences_gets_one_dm_naming_each() -> None:
    posts = handovers(
        [
            result("U01", DayEntry(D1, "U03"), DayEntry(D3, "U04")),
            result("U02", DayEntry(D2, "U03")),
        ]
    )
    assert [user for user, _ in posts] == ["U03", "U04"]
    both = "\n".join(texts(posts[0][1]["blocks"]))
    assert "Mon 11 Jan 2027* (for <@U01>)" in both and "Tue 12 Jan 2027* (for <@U02>)" in both
    assert posts[0][1]["text"].startswith("New queue days in support")
    one = "\n".join(texts(posts[1][1]["blocks"]))
    assert "<@U01> can no longer do" in one  # one absentee: the usual message
    for _, message in posts:
        assert_within_limits(message)


def test_the_modals_show_hints_escape_errors_and_fit_slacks_limits() -> None:
    feeds = [
        FeedInfo(n, "support", f"https://hr{n}.example.com/…/feed.php?…",
                 datetime(2027, 1, 4, 8, 0, tzinfo=UTC), "<!channel> & 500" * 40, 3, 2)
        for n in range(1, 30)
    ]  # fmt: skip
    for view in (feeds_modal("support", feeds), mine_modal(feeds[:3])):
        shown = "\n".join(texts(view["blocks"]))
        assert "&lt;!channel&gt; &amp; 500" in shown and "<!channel>" not in shown
        assert len(view["blocks"]) <= 100 and all(len(t) <= 3000 for t in texts(view["blocks"]))
        url_input = next(b for b in view["blocks"] if b.get("block_id") == "timeoff_url")
        assert "initial_value" not in url_input["element"]  # a URL is never shown back
