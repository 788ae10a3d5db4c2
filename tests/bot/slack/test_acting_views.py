"""The messages of admins acting for someone, comebacks and Slack status as away, as
builders: within Slack's limits, saying who did what, and a year only where it differs."""

from __future__ import annotations

from datetime import date

from bot.slack.views.acting import given_by, handed_by, handed_for, offered_by, offered_for
from bot.slack.views.departures import came_back, left_company
from bot.slack.views.status_away import away_by_status_post
from bot.usecases.acting import Handover
from bot.usecases.departures import Return
from bot.usecases.members import Departure
from bot.usecases.swaps import RequestInfo
from bot.usecases.time_off import TimeOffResult
from scheduling.model import DayEntry
from tests.bot.slack.test_views import assert_within_limits, texts

TODAY = date(2027, 1, 4)
DAY, OTHER = date(2027, 1, 12), date(2028, 1, 19)


def shown(message: dict[str, object]) -> str:
    return "\n".join([str(message["text"]), *texts(message["blocks"])])  # type: ignore[arg-type]


def test_a_handover_tells_the_admin_the_person_and_the_taker() -> None:
    cover = Handover("support", "cover", "U0BEN", DAY, "U0CLEO")
    swap = Handover("support", "swap", "U0BEN", DAY, "U0CLEO", OTHER)
    for message in (handed_for(cover, TODAY), handed_for(swap, TODAY)):
        assert_within_limits(message)
        assert "I told <@U0BEN> and <@U0CLEO> by DM" in shown(message)
    assert "<@U0CLEO> now covers <@U0BEN>'s *Tue 12 Jan*" in shown(handed_for(cover, TODAY))
    assert "*Wed 19 Jan 2028*" in shown(handed_for(swap, TODAY))  # another year: shown
    said = shown(handed_by(swap, TODAY, "U0ADA"))
    assert "<@U0ADA> swapped your *Tue 12 Jan*" in said and "*Wed 19 Jan 2028*" in said
    got = shown(given_by(cover, TODAY, "U0ADA"))
    assert "<@U0ADA> asked you to cover <@U0BEN>'s *Tue 12 Jan*" in got
    assert "talk to <@U0ADA>" in got


def test_an_offer_for_someone_names_them_and_can_be_withdrawn() -> None:
    request = RequestInfo(7, "support", "cover", "open", "U0BEN", DAY, None, None, None)
    reply = offered_for(request, TODAY, posted_in="C0SUP")
    assert_within_limits(reply)
    assert "<@U0BEN>'s *Tue 12 Jan*, in their name" in shown(reply) and "<#C0SUP>" in shown(reply)
    assert "Withdraw" in str(reply["blocks"])
    told = offered_by(request, TODAY, "U0ADA")
    assert_within_limits(told)
    assert "<@U0ADA> asked everyone in *support*" in shown(told) and "still yours" in shown(told)


def test_the_deactivation_notice_keeps_todays_day_and_the_comeback_says_why_not_re_added() -> None:
    gone = Departure("U0BEN", False, TODAY, (DAY,), (DayEntry(DAY, "U0CLEO"),), "support")
    notice = left_company(gone, on_today=True)
    assert_within_limits(notice)
    assert "stays theirs" in shown(notice) and "cover today for <@U0BEN>" in shown(notice)
    assert "stays theirs" not in shown(left_company(gone))
    back = came_back("U0BEN", Return("support", TODAY, ("U0ADA",)))
    assert_within_limits(back)
    assert "active again" in shown(back) and "not supported yet" in shown(back)


def test_the_status_post_names_the_taker_or_says_the_day_is_short() -> None:
    taken = TimeOffResult(1, "U0BEN", TODAY, TODAY, (TODAY,), (DayEntry(TODAY, "U0CLEO"),),
                          "support")  # fmt: skip
    post = away_by_status_post("support", "U0BEN", "palm_tree", TODAY, taken)
    assert_within_limits(post)
    assert post.get("response_type") != "ephemeral"
    assert "<@U0CLEO> takes the day" in shown(post) and ":palm_tree:" in shown(post)
    alone = TimeOffResult(1, "U0BEN", TODAY, TODAY, (TODAY,), (), "support")
    short = shown(away_by_status_post("support", "U0BEN", "sos", TODAY, alone))
    assert "short of people" in short and "away cancel 2027-01-04" in short
