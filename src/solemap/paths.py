"""Where solemap keeps a person's own files (diary, safety answers, uploads).

One place decides it, so that ``SOLEMAP_DATA_DIR`` moves everything together: the diary, the
safety screen's answers and the web app's uploads.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "SOLEMAP_DATA_DIR"


def user_data_dir() -> Path:
    """``$SOLEMAP_DATA_DIR`` when set, else the platform's user data folder for solemap."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path  # only needed when a file is touched

    return user_data_path("solemap", appauthor=False)
