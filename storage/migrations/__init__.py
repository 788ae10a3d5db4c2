"""Alembic migrations, shipped inside the package so they are found from any directory."""
