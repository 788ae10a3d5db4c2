"""The `/queueday` subcommand handlers; importing this package registers them all."""

import bot.slack.handlers.admin
import bot.slack.handlers.days
import bot.slack.handlers.feeds
import bot.slack.handlers.notes
import bot.slack.handlers.reading
import bot.slack.handlers.reminders
import bot.slack.handlers.swaps  # noqa: F401
