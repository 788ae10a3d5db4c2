"""The `queueday` command line: the group, and each command group's module registered."""

from __future__ import annotations

import click

from bot.cli import demo, feeds, hooks, page, plan, reminders, serve, storage, timeoff


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="queueday", message="queueday %(version)s")
def main() -> None:
    """QueueDay: fair support-queue days for engineering teams."""


for group in (plan, storage, serve, feeds, demo, reminders, timeoff, hooks, page):
    group.register(main)
