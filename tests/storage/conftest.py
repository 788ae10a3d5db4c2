from tests.storage.databases import database, empty_engine, engine

__all__ = ["database", "empty_engine", "engine"]
