"""`python -m bot` runs the `queueday` command line."""

from bot.cli import main

main()
