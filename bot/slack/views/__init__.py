"""Block Kit views: pure functions from values to payloads, within Slack's limits."""
