"""One transaction per use case: commit once at the end, nothing at all on failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from bot.usecases import outbox
from bot.usecases.errors import Conflict
from storage.db import write_transaction

RACE_MESSAGE = "Someone else changed this at the same moment; please try again."

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


@contextmanager
def unit_of_work(session: Session) -> Iterator[None]:
    """Commit what the block did, or roll all of it back and re-raise.

    A unique or foreign key violation here means another transaction won a race that
    the checks above it could not see yet; it is reported as a Conflict, not a crash.
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
        raise Conflict(RACE_MESSAGE) from exc
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
