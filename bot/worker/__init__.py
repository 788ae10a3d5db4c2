"""The reminder worker: claims due outbox rows and sends them."""
