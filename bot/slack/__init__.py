"""The Slack front door: the Bolt app, its listeners, handlers and views."""
