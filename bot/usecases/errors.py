"""Refusals of the use cases, each with a message fit to show the person who asked."""

from __future__ import annotations


class UseCaseError(Exception):
    """A request QueueDay refuses; `message` is one sentence for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UseCaseError):
    """An unknown rotation, member, request or row."""


class NotAllowed(UseCaseError):
    """The actor may not do this (not an admin, not their day, not their request)."""


class InvalidInput(UseCaseError):
    """A value that can never work: a bad timezone, an end before a start."""


class PastDate(InvalidInput):
    """A date in the past where only today or later makes sense."""


class Conflict(UseCaseError):
    """The request clashes with the current state: taken, changed meanwhile, overlapping."""


class Inconsistent(UseCaseError):
    """A write the database refused as inconsistent: a row referring to one that is
    missing or being deleted, or a failed check. A bug (or a row deleted meanwhile),
    never the person's doing and never a concurrent edit."""
