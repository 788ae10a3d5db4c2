"""The `/queueday` subcommand handlers; importing this package registers them all."""

import bot.handlers.admin
import bot.handlers.days
import bot.handlers.feeds
import bot.handlers.notes
import bot.handlers.reading
import bot.handlers.reminders
import bot.handlers.swaps  # noqa: F401
