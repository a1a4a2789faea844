"""A diary writer run as a separate process by the reliability tests.

Usage: python writer_process.py URL PROFILE COUNT TAG [GO_FILE] [MODE]

Logs COUNT pain entries (score i % 11, note "TAG-i", one point mark) and prints ``ack ID I``
after each one is committed, ``busy I`` whenever the diary said "try again" (then tries again),
and ``done``. MODE says how: ``lib`` (the library), ``cli`` (the ``solemap log pain`` command,
run in this process) or ``web`` (the diary's web form, posted through the app with its CSRF
token). With GO_FILE (or ``-`` for none), prints ``ready`` once set up and waits for that file,
so that two writers start at the same moment.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from solemap.diary import Database, Diary, DiaryBusy


class Busy(Exception):
    """The database asked us to try again."""


def lib_writer(url: str, profile: str) -> Callable[[int, str], int]:
    diary = Diary(Database.open(url), profile)

    def write(i: int, tag: str) -> int:
        try:
            return diary.log_pain(
                i % 11, note=f"{tag}-{i}", marks=[{"u": 0.1, "v": 0.5, "side": "left", "intensity": i % 11}]
            )
        except DiaryBusy as exc:
            raise Busy from exc

    return write


def cli_writer(url: str, profile: str) -> Callable[[int, str], int]:
    from solemap.cli import app

    def write(i: int, tag: str) -> int:
        out, err = io.StringIO(), io.StringIO()
        args = ["log", "pain", str(i % 11), "--point", f"0.1,0.5:{i % 11}", "--side", "left"]
        args += ["--note", f"{tag}-{i}", "--database-url", url, "--profile", profile]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                app(args, standalone_mode=False)
            except SystemExit as exc:
                if exc.code not in (0, None):
                    if exc.code == 75:
                        raise Busy from None
                    raise RuntimeError(err.getvalue()) from None
        match = re.search(r"\(entry (\d+),", out.getvalue())
        if match is None:
            raise RuntimeError(f"no entry id in {out.getvalue()!r} {err.getvalue()!r}")
        return int(match.group(1))

    return write


def web_writer(url: str, profile: str) -> Callable[[int, str], int]:
    from fastapi.testclient import TestClient

    from solemap.web.app import create_app
    from solemap.web.settings import Settings

    client = TestClient(create_app(Settings(database_url=url)), base_url="http://127.0.0.1")
    page = client.get("/diary/draw", params={"profile": profile})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, page.text[:500]

    def write(i: int, tag: str) -> int:
        response = client.post(
            "/diary/pain",
            data={
                "csrf_token": token.group(1),
                "profile": profile,
                "score": str(i % 11),
                "note": f"{tag}-{i}",
                "point": f"0.1|0.5|left|{i % 11}",
            },
            follow_redirects=False,
        )
        if response.status_code == 503:
            raise Busy
        if response.status_code != 303:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
        return int(response.headers["location"].rsplit("pain%3A", 1)[1])

    return write


WRITERS = {"lib": lib_writer, "cli": cli_writer, "web": web_writer}


def main(url: str, profile: str, count: int, tag: str, go: str = "-", mode: str = "lib") -> None:
    write = WRITERS[mode](url, profile)
    if go != "-":
        print("ready", flush=True)
        while not Path(go).exists():
            time.sleep(0.005)
    for i in range(count):
        while True:
            try:
                entry_id = write(i, tag)
            except Busy:
                print(f"busy {i}", flush=True)
                time.sleep(0.05)
                continue
            break
        print(f"ack {entry_id} {i}", flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], *sys.argv[5:7])
