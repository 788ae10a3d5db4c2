"""The tables of slack_sdk's SQLAlchemy installation and OAuth state stores, in our schema.

OAuth mode (README, "Installing in several workspaces") keeps each workspace's bot token
in `slack_installations` and `slack_bots`, and the `state` of installs under way in
`slack_oauth_states`, through slack_sdk's own `SQLAlchemyInstallationStore` and
`SQLAlchemyOAuthStateStore`. Those stores only read and write; the tables are made by our
migrations (0010), so they are declared here exactly as slack_sdk 3.x builds them
(`build_installations_table`, `build_bots_table`, `build_oauth_states_table`): same names,
columns, types and index, so the stores and the migrations agree.

Installation rows are keyed by Slack's ids, not by a foreign key into `workspaces` (the
store writes them before the workspace has a row of ours): `storage.purge` finds a
workspace's rows by its `team_id` (TEAM_KEYED). An org-wide install keeps `team_id` NULL
and `enterprise_id` set, so purging one workspace of the org leaves the org's install.
State rows belong to no workspace and live for QUEUEDAY_OAUTH_STATE_TTL seconds.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, func
from sqlmodel import SQLModel

INSTALLATIONS = "slack_installations"
BOTS = "slack_bots"
OAUTH_STATES = "slack_oauth_states"

# DateTime without a timezone, as slack_sdk writes it (naive UTC, normalize_datetime_for_db).
installations = Table(
    INSTALLATIONS,
    SQLModel.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index(
        f"{INSTALLATIONS}_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"
    ),
)

bots = Table(
    BOTS,
    SQLModel.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index(f"{BOTS}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

oauth_states = Table(
    OAUTH_STATES,
    SQLModel.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)

# Tables whose rows name their workspace by Slack team id (no foreign key): the purge
# deletes a workspace's rows there by `team_id`.
TEAM_KEYED = (INSTALLATIONS, BOTS)
# Tables whose rows belong to no workspace: an install's state before Slack says whose it is.
NO_WORKSPACE = (OAUTH_STATES,)
