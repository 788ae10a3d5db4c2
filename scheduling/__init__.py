"""The pure core of QueueDay: working days, the fairness ledger, the planner and text.

Nothing here touches a database, Slack, the clock or the environment: dates and people
go in, plans, balances and text come out.
"""
