"""``read_recording``: pick the reader for a pressure file by its content and suffix.

Sniffing reads at most the first :data:`SNIFF_BYTES` bytes and checks the signatures of
``../shared/domain/pressure-formats.md`` ("Sniffing") in its order; extensions are only a
fallback, because pedar and pliance share ``.asc`` and I-Scan, XSENSOR, stappone and generic data
all use ``.csv``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

from solemap.recordings.core import SIDES, Recording, RecordingError

SNIFF_BYTES = 4096


@dataclass(frozen=True)
class FormatInfo:
    """One supported file format: its reader module, usual suffixes and a description."""

    id: str
    module: str
    suffixes: tuple[str, ...]
    description: str


#: Format id -> reader. ``read_recording(path, format=ID)`` forces a reader.
FORMATS: MappingProxyType[str, FormatInfo] = MappingProxyType(
    {
        f.id: f
        for f in (
            FormatInfo(
                "tekscan", "tekscan", (".asf", ".csv"), "Tekscan F-Scan/Conformat ASCII (.asf), I-Scan CSV"
            ),
            FormatInfo("pedar", "pedar", (".asc",), "novel pedar ASCII (.asc), 99 sensors per insole"),
            FormatInfo("pliance", "pliance", (".asc",), "novel pliance ASCII (.asc)"),
            FormatInfo("emed", "emed", (".lst",), "novel emed plate listing (.lst)"),
            FormatInfo("footscan", "footscan", (".xls",), "RSscan footscan Excel export (.xls)"),
            FormatInfo("xsensor", "xsensor", (".csv",), "XSENSOR CSV export"),
            FormatInfo("stappone", "stappone", (".csv",), "stappone insole CSV"),
            FormatInfo("moticon", "moticon", (".txt",), "Moticon OpenGo text export (.txt)"),
            FormatInfo("generic-csv", "generic_csv", (".csv",), "solemap generic pressure CSV"),
            FormatInfo("npz", "numpy_files", (".npz",), "NumPy .npz (solemap or a 'pressure' array)"),
            FormatInfo("npy", "numpy_files", (".npy",), "NumPy .npy array (T, R, C) or (T, S)"),
        )
    }
)

# Suffix -> format when the content does not decide (only suffixes with a single candidate).
_SUFFIX_DEFAULT = {
    ".asf": "tekscan",
    ".lst": "emed",
    ".xls": "footscan",
    ".txt": "moticon",
    ".npz": "npz",
    ".npy": "npy",
    ".csv": "generic-csv",
}


def _text_lines(head: bytes, n: int = 40) -> list[str]:
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    return [line.rstrip("\r") for line in text.split("\n")[:n]]


def _sniff_text(lines: list[str]) -> str | None:
    first = lines[0] if lines else ""
    second = lines[1] if len(lines) > 1 else ""
    third = lines[2] if len(lines) > 2 else ""
    if first.startswith("File:,") or (
        any(x.startswith("Units:,") for x in lines) and any(x.startswith("FRAME,") for x in lines)
    ):
        return "xsensor"
    if first.startswith("DATA_TYPE"):
        return "tekscan"
    if first.startswith(("# Start time:", "# Start timestamp:")) or any(
        x.startswith("# time\t") for x in lines
    ):
        return "moticon"
    if first.lower().startswith("file name:"):
        has_time_header = any(x.lower().startswith("time[secs]") for x in lines[:20])
        is_mat = second.lower().startswith("mat type")
        if (second.lower().startswith("sensor type:") or has_time_header) and not is_mat:
            return "pedar"
        if second.lower().startswith("mat type") or third.lower().startswith("total times"):
            return "pliance"
    head12 = lines[:12]
    if any(x.lstrip().startswith("Page 1") for x in head12) and any("Matrix:" in x for x in head12):
        return "emed"
    if first.replace(" ", "").lower().startswith("sole_id,timestamp"):
        return "stappone"
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.lower().startswith("# solemap-pressure-csv"):
            return "generic-csv"
        if stripped.startswith("#"):
            continue
        if stripped.lower().split(",")[0].strip() in ("time_s", "time", "time_ms"):
            return "generic-csv"
        break
    return None


def sniff_format(path: str | PathLike[str]) -> str | None:
    """The format id the first bytes of ``path`` identify, or None if no signature matches."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise RecordingError(p, None, f"cannot open: {exc.strerror or exc}") from None
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "footscan"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "npz"
    return _sniff_text(_text_lines(head))


def _supported() -> str:
    return "; ".join(f"{f.id} ({f.description})" for f in FORMATS.values())


def get_reader(format_id: str) -> Callable[..., Recording]:
    """The ``read(path, **options)`` function of a format id (imports the module lazily)."""
    info = FORMATS.get(format_id)
    if info is None:
        raise RecordingError(None, None, f"unknown format {format_id!r}; supported formats: {_supported()}")
    module = importlib.import_module(f"solemap.recordings.readers.{info.module}")
    if format_id == "npz":
        return module.read_npz
    if format_id == "npy":
        return module.read_npy
    return module.read


def read_recording(
    path: str | PathLike[str], format: str | None = None, side: str | None = None, **options: Any
) -> Recording:
    """Read any supported pressure file into a :class:`Recording`.

    Parameters
    ----------
    path : the file.
    format : a key of :data:`FORMATS` to skip detection; None to detect from content, then suffix.
    side : ``"left"``/``"right"`` to state the side of a single-sided file that does not say
        (Tekscan, plates, generic data); for two-sided files, keep only that side.
    options : passed to the reader (e.g. ``calibration=`` kPa per count for raw data,
        ``sample_rate_hz=`` / ``pitch_mm=`` for plain arrays, ``memmap_path=`` for large Tekscan files).

    Raises
    ------
    RecordingError : unreadable or malformed file (names the file, line and what was expected),
        or a format that cannot be recognised (lists the supported formats).
    """
    p = Path(path)
    if side is not None and side not in SIDES:
        raise RecordingError(p, None, f"side must be one of {SIDES}, got {side!r}")
    if not p.is_file():
        raise RecordingError(p, None, "no such file")
    if format is None:
        if p.stat().st_size == 0:
            raise RecordingError(p, None, "the file is empty")
        format = sniff_format(p) or _SUFFIX_DEFAULT.get(p.suffix.lower())
        if format is None:
            raise RecordingError(
                p,
                None,
                f"cannot tell the format from the suffix {p.suffix!r} or the content; "
                f"supported formats: {_supported()}",
            )
    reader = get_reader(format)
    _check_options(p, format, reader, options)
    try:
        rec = reader(p, **options)
    except RecordingError:
        raise
    except ValueError as exc:
        # Validation of the assembled Recording (core.py) speaks of arrays; name the file too.
        raise RecordingError(p, None, str(exc)) from None
    if side is not None:
        rec = _apply_side(p, rec, side)
    return rec


def _check_options(
    path: Path, format_id: str, reader: Callable[..., Recording], options: dict[str, Any]
) -> None:
    """Unknown reader options are a RecordingError naming the ones the reader takes (not a TypeError)."""
    params = inspect.signature(reader).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    accepted = [name for name in params if name != "path"]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise RecordingError(
            path,
            None,
            f"the {format_id} reader has no option {', '.join(unknown)}; its options: "
            f"{', '.join(accepted) or 'none'}",
        )


def _apply_side(path: Path, rec: Recording, side: str) -> Recording:
    if side in rec.sides:
        return rec.select(side=side) if len(rec.sides) > 1 else rec
    if rec.sides == ("unknown",):
        return Recording(
            {side: rec.pressure("unknown")},
            sample_rate_hz=rec.sample_rate_hz,
            times_s=rec.times_s,
            pitch_mm=rec.pitch_mm,
            layouts={side: rec.layout("unknown")} if rec.kind == "sensors" else None,
            valid_masks={side: rec.valid_mask("unknown")},
            source_units=rec.source_units,
            format=rec.format,
            metadata={**rec.metadata, "side_from": "user"},
            calibrated=rec.calibrated,
        )
    raise RecordingError(path, None, f"side {side!r} requested, but the file holds {rec.sides}")
