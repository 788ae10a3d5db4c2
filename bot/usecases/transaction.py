"""One transaction per use case: commit once at the end, nothing at all on failure."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from bot.usecases import outbox
from bot.usecases.errors import Conflict, Inconsistent
from storage.db import write_transaction

log = logging.getLogger(__name__)

RACE_MESSAGE = "Someone else changed this at the same moment; please try again."

# PostgreSQL: unique_violation; SQLite says so in its message.
UNIQUE_SQLSTATE = "23505"

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


@contextmanager
def unit_of_work(session: Session) -> Iterator[None]:
    """Commit what the block did, or roll all of it back and re-raise.

    A unique violation (or a row changed under this session) means another transaction
    won a race that the checks above it could not see yet: a Conflict, try again. Any
    other integrity error (a foreign key, a check) is no race but data that does not
    fit together: logged with its traceback and reported as Inconsistent, saying so.
    """
    # Re-read rows this session loaded in an earlier transaction: others may have
    # changed them since (sessions keep values after commit, for returning them).
    session.expire_all()
    outbox.forget_tracked(session)
    try:
        write_transaction(session)
        yield
        outbox.sync_tracked(session)  # reminders follow the days changed, in this commit
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        if _is_unique_violation(exc):
            raise Conflict(RACE_MESSAGE) from exc
        log.error("the database refused a write: %s", _reason(exc), exc_info=True)
        raise Inconsistent(
            f"Nothing was saved: the database refused the change as inconsistent "
            f"({_reason(exc)}). This is a bug in QueueDay, not something you did; "
            "please report it."
        ) from exc
    except StaleDataError as exc:
        session.rollback()
        raise Conflict(RACE_MESSAGE) from exc
    except OperationalError as exc:
        session.rollback()
        code = getattr(exc.orig, "sqlstate", None)
        if code in RETRYABLE_SQLSTATES or "database is locked" in str(exc.orig):
            raise Conflict(RACE_MESSAGE) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        outbox.forget_tracked(session)


def _is_unique_violation(exc: IntegrityError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code == UNIQUE_SQLSTATE or str(exc.orig).startswith("UNIQUE constraint failed")


def _reason(exc: IntegrityError) -> str:
    """The database's own one-line account: which constraint, on which tables."""
    diag = getattr(exc.orig, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = str(primary or exc.orig).strip()
    return text.splitlines()[0] if text else type(exc.orig).__name__
