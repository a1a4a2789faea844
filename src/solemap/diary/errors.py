"""Errors of the diary, each saying what went wrong in words a person can act on.

Every write happens in one transaction; when one of these is raised the transaction was rolled
back and the stored diary is exactly as it was before the call.
"""

from __future__ import annotations

import errno

from sqlalchemy.exc import DBAPIError, OperationalError


class DiaryError(Exception):
    """Base class of every diary error."""


class InvalidEntry(DiaryError, ValueError):
    """A value given to the diary is not acceptable; ``field`` names it (``score``, ``area``, ``at``...)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class ImportFileError(InvalidEntry):
    """An import file cannot be read; ``field`` is a JSON path such as ``pain_entries[3].score``."""


class StorageError(DiaryError):
    """The database refused to store anything (full disk, read-only file or server)."""


class DiaryBusy(StorageError):
    """Another program holds the database for writing right now; trying again shortly will work."""

    retryable = True


class UnknownProfile(DiaryError, LookupError):
    """No profile of that name exists."""


_BUSY_WORDS = ("database is locked", "database table is locked", "could not obtain lock")
_FULL_WORDS = ("database or disk is full", "no space left on device", "disk full")
_READONLY_WORDS = ("readonly database", "read-only", "read only", "readonly")
# SQLSTATEs of PostgreSQL: 53100 disk_full, 25006 read_only_sql_transaction,
# 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available.
_PG_FULL = {"53100"}
_PG_READONLY = {"25006"}
_PG_BUSY = {"40001", "40P01", "55P03"}


def storage_error(exc: BaseException, what: str) -> DiaryError | None:
    """Translate a database or OS error raised while doing ``what`` into a diary error, or None.

    ``what`` completes the sentence "could not ..." (e.g. "save the pain entry").
    """
    text = str(exc).lower()
    sqlstate = None
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(orig, OSError) and orig.errno == errno.ENOSPC:
        return StorageError(f"could not {what}: the disk is full; nothing was saved")
    if sqlstate in _PG_BUSY or (sqlstate is None and any(w in text for w in _BUSY_WORDS)):
        return DiaryBusy(
            f"could not {what}: another program is writing to the diary right now; "
            "nothing was saved, please try again in a moment"
        )
    if sqlstate in _PG_FULL or any(w in text for w in _FULL_WORDS):
        return StorageError(f"could not {what}: the disk holding the diary is full; nothing was saved")
    if sqlstate in _PG_READONLY or (
        isinstance(exc, OperationalError | OSError) and any(w in text for w in _READONLY_WORDS)
    ):
        return StorageError(f"could not {what}: the diary database is read-only; nothing was saved")
    if isinstance(orig, OSError) and orig.errno in (errno.EROFS, errno.EACCES):
        return StorageError(f"could not {what}: the diary database is read-only; nothing was saved")
    return None
