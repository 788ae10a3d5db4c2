"""The HTTP front door: the ASGI app, calendar feeds and webhooks."""
