"""``solemap db backup FILE``: a consistent copy of the whole diary as one SQLite file.

From SQLite the copy is made with SQLite's online backup (safe while others write); from
PostgreSQL every profile is exported and imported into a fresh SQLite file. Either way the
result opens with ``--database-url sqlite:///FILE``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from solemap.diary.db import Database
from solemap.diary.errors import DiaryError, StorageError, storage_error


def backup(db: Database, path: str | Path, *, overwrite: bool = False) -> Path:
    """Copy the diary in ``db`` to the SQLite file ``path``; returns the path written."""
    path = Path(path).expanduser()
    if path.exists() and not overwrite:
        raise DiaryError(f"output: {path} exists already; choose another name or pass --overwrite")
    if not path.parent.is_dir():
        raise DiaryError(f"output: the folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.name}.partial")
    tmp.unlink(missing_ok=True)
    try:
        if db.dialect == "sqlite":
            raw = db.engine.raw_connection()
            try:
                target = sqlite3.connect(tmp)
                try:
                    raw.driver_connection.backup(target)  # type: ignore[union-attr]
                    # The copy is a plain single-file database, easy to carry around.
                    target.execute("PRAGMA journal_mode = DELETE")
                finally:
                    target.close()
            finally:
                raw.close()
        else:
            from solemap.diary.exports import export_json
            from solemap.diary.importer import import_data
            from solemap.diary.repository import Diary, list_profiles

            names = list_profiles(db)
            copy = Database.open(f"sqlite:///{tmp}")
            try:
                if names:
                    data = export_json(Diary(db, names[0]), all_profiles=True)
                    import_data(copy, data)
            finally:
                copy.dispose()
        os.replace(tmp, path)  # the backup appears complete or not at all
    except (DBAPIError, OSError, sqlite3.Error) as exc:
        tmp.unlink(missing_ok=True)
        translated = storage_error(exc, "write the backup")
        raise (translated or StorageError(f"could not write the backup to {path}: {exc}")) from exc
    return path
