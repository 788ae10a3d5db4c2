"""`python -m bot` runs the `queueday` command line."""

from bot.cli.main import main

main()
