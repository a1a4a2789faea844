"""Settings of the web app: one object, read from ``SOLEMAP_*`` environment variables or the CLI.

=====================  ======================  ==============================================
setting                environment variable    meaning
=====================  ======================  ==============================================
``host``               ``SOLEMAP_HOST``        interface to bind (``127.0.0.1`` by default)
``port``               ``SOLEMAP_PORT``        TCP port (8000)
``data_dir``           ``SOLEMAP_DATA_DIR``    where features keep user data (diary, uploads)
``database_url``       ``SOLEMAP_DATABASE_URL`` SQLAlchemy URL for the diary (default: SQLite)
``svg_cache_size``     ``SOLEMAP_SVG_CACHE``   rendered maps kept in memory (256)
=====================  ======================  ==============================================

Features read the settings from ``request.app.state.settings``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "SOLEMAP_"
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the web app can be told; see the module docstring for the variables."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path | None = None
    database_url: str | None = None
    svg_cache_size: int = 256

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, not {self.port}")
        if self.svg_cache_size < 0:
            raise ValueError(f"svg_cache_size must be 0 or more, not {self.svg_cache_size}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``SOLEMAP_*`` variables, then ``overrides`` (CLI flags) on top.

        ``None`` overrides are ignored so that unset CLI options fall back to the environment.
        Raises ValueError naming the variable when a value cannot be parsed.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        parsers = {
            "host": str,
            "port": int,
            "data_dir": Path,
            "database_url": str,
            "svg_cache_size": int,
        }
        names = {"svg_cache_size": "SVG_CACHE"}
        for field, parse in parsers.items():
            var = ENV_PREFIX + names.get(field, field.upper())
            raw = env.get(var)
            if raw is None or raw == "":
                continue
            try:
                values[field] = parse(raw)
            except ValueError:
                raise ValueError(f"{var}={raw!r} is not a valid {field.replace('_', ' ')}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (tests use it to point at temporary folders)."""
        return dataclasses.replace(self, **changes)

    @property
    def is_loopback(self) -> bool:
        """True when ``host`` is reachable only from this machine (127.0.0.0/8, ::1, localhost)."""
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server private to this machine."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        # A host name other than localhost may resolve to anything: treat it as public.
        return False
