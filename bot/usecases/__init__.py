"""Use cases: plain values in, one transaction each, shared by Slack, the CLI and the worker.

Each function takes a session and keyword arguments (the Slack team, the rotation's
name, the acting user, the current instant `now`), loads rows through storage, lets
scheduling decide, saves, writes an audit row per change and commits once. A refusal
raises a UseCaseError whose message can be shown to the person as it is.
"""

from bot.usecases.access import SYSTEM
from bot.usecases.errors import (
    Conflict,
    Inconsistent,
    InvalidInput,
    NotAllowed,
    NotFound,
    PastDate,
    UseCaseError,
)
from bot.usecases.feeds import FeedLink, FeedLinks, feed_links, reset_feed_link
from bot.usecases.lookup import RotationRef, RotationUnclear, find_rotation, rotation_names
from bot.usecases.members import (
    NewMember,
    add_member,
    add_members,
    deactivate_member,
    join_rotation,
    leave_rotation,
    remove_member,
    set_member_role,
)
from bot.usecases.notes import close_ticket, record_highlight, record_ticket
from bot.usecases.overview import (
    home_overview,
    my_overview,
    quarter_schedule,
    time_off_list,
    who_is_on,
    workspace_people,
)
from bot.usecases.plans import plan_period, publish_plan
from bot.usecases.reports import fairness_report, mark_days_done
from bot.usecases.rotations import (
    configure_rotation,
    create_rotation,
    rotation_settings,
    setting_errors,
)
from bot.usecases.swaps import (
    accept_request,
    cancel_request,
    decline_request,
    request_cover,
    request_swap,
)
from bot.usecases.time_off import book_away, book_time_off, cancel_away, cancel_time_off

__all__ = [
    "SYSTEM",
    "Conflict",
    "FeedLink",
    "FeedLinks",
    "Inconsistent",
    "InvalidInput",
    "NewMember",
    "NotAllowed",
    "NotFound",
    "PastDate",
    "RotationRef",
    "RotationUnclear",
    "UseCaseError",
    "accept_request",
    "add_member",
    "add_members",
    "book_away",
    "book_time_off",
    "cancel_away",
    "cancel_request",
    "cancel_time_off",
    "close_ticket",
    "configure_rotation",
    "create_rotation",
    "deactivate_member",
    "decline_request",
    "fairness_report",
    "feed_links",
    "find_rotation",
    "home_overview",
    "join_rotation",
    "leave_rotation",
    "mark_days_done",
    "my_overview",
    "plan_period",
    "publish_plan",
    "quarter_schedule",
    "record_highlight",
    "record_ticket",
    "remove_member",
    "request_cover",
    "request_swap",
    "reset_feed_link",
    "rotation_names",
    "rotation_settings",
    "set_member_role",
    "setting_errors",
    "time_off_list",
    "who_is_on",
    "workspace_people",
]
