"""The database: SQLModel tables, engines and sessions, queries, Alembic migrations."""
