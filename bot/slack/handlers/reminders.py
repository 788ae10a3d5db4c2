"""`reminders`: a person's reminder times, muted kinds and product areas."""

from __future__ import annotations

from bot.slack.args import Reminders, parse_request
from bot.slack.commands import CommandError
from bot.slack.dispatch import CommandContext, handles
from bot.slack.views.limits import Message
from bot.slack.views.reminders import KIND_NAMES, settings_message
from bot.usecases.reminder_settings import change_reminder_settings, reminder_settings
from scheduling.reminders import ReminderKind


@handles("reminders")
def reminders(ctx: CommandContext) -> Message:
    """Show the settings, or change one and show them."""
    request = parse_request(ctx.line, ctx.now.date())
    if not isinstance(request, Reminders):
        raise CommandError("not a reminders command", ctx.line.subcommand)
    kind = ReminderKind(request.kind) if request.kind else None
    with ctx.services.session() as session:
        if request.action == "show":
            return settings_message(
                reminder_settings(session, team_id=ctx.team_id, user=ctx.user_id)
            )
        settings = change_reminder_settings(
            session,
            team_id=ctx.team_id,
            actor=ctx.user_id,
            now=ctx.now,
            mute=kind if request.action == "mute" else None,
            unmute=kind if request.action == "unmute" else None,
            move=(kind, request.at) if kind and request.at else None,
            areas=list(request.areas) if request.action == "areas" else None,
        )
    name = KIND_NAMES.get(kind, "") if kind else ""
    note = {
        "mute": f"The {name} reminder is muted.",
        "unmute": f"The {name} reminder is back on.",
        "at": f"The {name} reminder now comes at {request.at:%H:%M}." if request.at else "",
        "areas": "Your product areas are saved.",
    }[request.action]
    return settings_message(settings, note=note)
