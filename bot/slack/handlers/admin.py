"""Admin commands: `create`, `config`, `add`, `remove`, `admin`, `plan`, `publish`."""

from __future__ import annotations

from datetime import date

import bot.usecases as uc
from bot.slack.args import Create, Handle, People, Period, Quarter, RotationOnly
from bot.slack.dispatch import CommandContext, Outcome, handles
from bot.slack.handlers.common import read, typed
from bot.slack.handlers.days import handed_over, with_handovers
from bot.slack.handlers.timeoff import is_mine, my_settings
from bot.slack.people import profile_of
from bot.slack.views.admin import (
    added,
    created,
    made_admin,
    plan_preview,
    published,
    removed,
    welcome,
)
from bot.slack.views.channel import handle_saved
from bot.slack.views.config import config_modal
from bot.slack.views.limits import Message
from scheduling.quarters import quarter_of
from storage.models import Role

# Slack channel ids: C… public, G… private. A DM (D…) is no rotation's channel.
CHANNEL_PREFIXES = ("C", "G")


@handles("create")
def create(ctx: CommandContext) -> Outcome:
    """Create a rotation for a channel (the named one, else this one); its creator admins it."""
    request = typed(ctx, ctx.now.date(), Create)
    channel = request.channel.id if request.channel else None
    if channel is None and ctx.channel_id.startswith(CHANNEL_PREFIXES):
        channel = ctx.channel_id
    me = profile_of(ctx.client, ctx.user_id, ctx.user_name)
    with ctx.services.session() as session:
        settings = uc.create_rotation(
            session,
            team_id=ctx.team_id,
            actor=ctx.user_id,
            actor_name=me.name,
            actor_email=me.email,
            now=ctx.now,
            name=request.rotation.lower(),
            workspace_name=ctx.services.installation.team_name,
            enterprise_id=ctx.services.installation.enterprise_id,
            channel=channel,
            timezone=me.timezone or "UTC",
        )
    return Outcome(created(settings), refresh=(ctx.user_id,))


@handles("config")
def config(ctx: CommandContext) -> Outcome:
    """Open the settings modal of a rotation (its admins only); `config me`, one's own."""
    if is_mine(ctx):
        return my_settings(ctx)
    with ctx.services.session() as session:
        _, ref = read(ctx, session, RotationOnly)
        settings = uc.rotation_settings(
            session, team_id=ctx.team_id, rotation=ref.name, actor=ctx.user_id
        )
    return Outcome(modal=config_modal(settings))


@handles("handle")
def handle(ctx: CommandContext) -> Outcome:
    """Name the rotation's user group (admins only); the morning pass fills it."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, Handle)
        settings = uc.configure_rotation(
            session,
            team_id=ctx.team_id,
            rotation=ref.name,
            actor=ctx.user_id,
            now=ctx.now,
            queue_handle=request.handle,
        )
    return Outcome(handle_saved(ref.name, settings.queue_handle, group_on=settings.queue_group))


@handles("add")
def add(ctx: CommandContext) -> Outcome:
    """Add people to a rotation; each gets a DM saying so."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, People)
    people = [profile_of(ctx.client, p.id, p.name) for p in request.people]
    with ctx.services.session() as session:
        result = uc.add_members(
            session,
            team_id=ctx.team_id,
            rotation=ref.name,
            actor=ctx.user_id,
            now=ctx.now,
            people=[
                uc.NewMember(p.user, p.name, email=p.email, timezone=p.timezone) for p in people
            ],
        )
    new = tuple(m.user for m in result.added)
    return Outcome(
        added(result),
        posts=tuple((user, welcome(ref.name, ctx.user_id)) for user in new),
        refresh=new,
    )


@handles("remove")
def remove(ctx: CommandContext) -> Outcome:
    """Take someone off a rotation after today; their later days go to others."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, People)
        [person] = request.people
        gone = uc.remove_member(
            session,
            team_id=ctx.team_id,
            rotation=ref.name,
            actor=ctx.user_id,
            now=ctx.now,
            user=person.id,
        )
    others = handed_over(ref.name, gone.replacements, person.id)
    return with_handovers(removed(gone, ref.name, ref.today), person.id, others)


@handles("admin")
def admin(ctx: CommandContext) -> Outcome:
    """Make someone an admin of a rotation."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, People)
        [person] = request.people
        member = uc.set_member_role(
            session,
            team_id=ctx.team_id,
            rotation=ref.name,
            actor=ctx.user_id,
            now=ctx.now,
            user=person.id,
            role=Role.ADMIN,
        )
    return Outcome(made_admin(member, ref.name), refresh=(person.id,))


def _quarter(request: Period, ref: uc.RotationRef) -> tuple[date, date]:
    """The first and last day of the quarter `plan` or `publish` names (this or next)."""
    offset = 1 if request.quarter == Quarter.NEXT else 0
    return quarter_of(ref.today, ref.quarter_start_month, offset)


@handles("plan")
def plan(ctx: CommandContext) -> Message:
    """Preview a quarter's plan with its fairness figures and a Publish button."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, Period)
        start, end = _quarter(request, ref)
        preview = uc.plan_period(
            session,
            team_id=ctx.team_id,
            rotation=ref.name,
            actor=ctx.user_id,
            now=ctx.now,
            start=start,
            end=end,
        )
    return plan_preview(preview, request.quarter.value, ref.today)


@handles("publish")
def publish(ctx: CommandContext) -> Outcome:
    """Publish a quarter's plan as it stands now (`plan` previews it first)."""
    with ctx.services.session() as session:
        request, ref = read(ctx, session, Period)
        start, end = _quarter(request, ref)
        result = uc.publish_plan(
            session,
            team_id=ctx.team_id,
            rotation=ref.name,
            actor=ctx.user_id,
            now=ctx.now,
            start=start,
            end=end,
            expected_version=None,
        )
    changed = {e.member for e in (*result.added, *result.removed)}
    return Outcome(published(result, ref.today), refresh=(ctx.user_id, *sorted(changed)))
