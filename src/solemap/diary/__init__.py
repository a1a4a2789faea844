"""The pain diary: first-step pain, pain drawn on the foot, sessions, function scores.

Storage is SQLite by default (a file in the user's data folder) or PostgreSQL when a URL says so;
see :mod:`solemap.diary.db`. The library API is :class:`Diary`; charts, exports and the importer
build on it.
"""

from solemap.diary.db import Database, default_database_path, resolve_url
from solemap.diary.errors import (
    DiaryBusy,
    DiaryError,
    ImportFileError,
    InvalidEntry,
    StorageError,
    UnknownProfile,
)
from solemap.diary.records import FunctionRecord, Mark, PainRecord, SessionEntry
from solemap.diary.repository import (
    DEFAULT_PROFILE,
    Diary,
    create_profile,
    delete_profile,
    list_profiles,
    rename_profile,
)

__all__ = [
    "DEFAULT_PROFILE",
    "Database",
    "Diary",
    "DiaryBusy",
    "DiaryError",
    "FunctionRecord",
    "ImportFileError",
    "InvalidEntry",
    "Mark",
    "PainRecord",
    "SessionEntry",
    "StorageError",
    "UnknownProfile",
    "create_profile",
    "default_database_path",
    "delete_profile",
    "list_profiles",
    "rename_profile",
    "resolve_url",
]
