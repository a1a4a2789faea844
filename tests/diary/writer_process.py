"""A diary writer run as a separate process by the reliability tests.

Usage: python writer_process.py URL PROFILE COUNT TAG [GO_FILE]

With GO_FILE, prints ``ready`` once the database is open and waits for that file to exist,
so that two writers start writing at the same moment.

Logs COUNT pain entries (score i % 11, note "TAG-i") and prints ``ack ID I`` after each one
is committed, ``busy I`` whenever the diary said "try again" (then tries again), and ``done``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from solemap.diary import Database, Diary, DiaryBusy


def main(url: str, profile: str, count: int, tag: str, go: str | None = None) -> None:
    diary = Diary(Database.open(url), profile)
    if go is not None:
        print("ready", flush=True)
        while not Path(go).exists():
            time.sleep(0.005)
    for i in range(count):
        while True:
            try:
                entry_id = diary.log_pain(
                    i % 11,
                    note=f"{tag}-{i}",
                    marks=[{"u": 0.1, "v": 0.5, "side": "left", "intensity": i % 11}],
                )
            except DiaryBusy:
                print(f"busy {i}", flush=True)
                time.sleep(0.05)
                continue
            break
        print(f"ack {entry_id} {i}", flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], *sys.argv[5:6])
