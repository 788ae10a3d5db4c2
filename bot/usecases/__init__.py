"""Use cases: plain values in, one transaction each, shared by Slack, the CLI and the worker.

Each function takes a session and keyword arguments (the Slack team, the rotation's
name, the acting user, the current instant `now`), loads rows through storage, lets
scheduling decide, saves, writes an audit row per change and commits once. A refusal
raises a UseCaseError whose message can be shown to the person as it is.
"""

from bot.usecases.access import SYSTEM
from bot.usecases.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    PastDate,
    UseCaseError,
)
from bot.usecases.members import (
    add_member,
    deactivate_member,
    remove_member,
    set_member_role,
)
from bot.usecases.notes import close_ticket, record_highlight, record_ticket
from bot.usecases.plans import plan_period, publish_plan
from bot.usecases.reports import fairness_report, mark_days_done
from bot.usecases.rotations import configure_rotation, create_rotation
from bot.usecases.swaps import (
    accept_request,
    cancel_request,
    decline_request,
    request_cover,
    request_swap,
)
from bot.usecases.time_off import book_time_off, cancel_time_off

__all__ = [
    "SYSTEM",
    "Conflict",
    "InvalidInput",
    "NotAllowed",
    "NotFound",
    "PastDate",
    "UseCaseError",
    "accept_request",
    "add_member",
    "book_time_off",
    "cancel_request",
    "cancel_time_off",
    "close_ticket",
    "configure_rotation",
    "create_rotation",
    "deactivate_member",
    "decline_request",
    "fairness_report",
    "mark_days_done",
    "plan_period",
    "publish_plan",
    "record_highlight",
    "record_ticket",
    "remove_member",
    "request_cover",
    "request_swap",
    "set_member_role",
]
