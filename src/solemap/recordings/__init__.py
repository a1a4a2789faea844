"""Plantar-pressure recordings: one :class:`Recording` type, one reader per file format.

>>> from solemap.recordings import Recording, read_recording
>>> rec = read_recording("walk.asf")          # doctest: +SKIP
>>> rec.pressure().shape                      # (T, R, C) float32 kPa, NaN outside the sensor

Readers live in :mod:`solemap.recordings.readers` (one module per format) and are chosen by
:func:`read_recording` from the file suffix and its content.
"""

from solemap.recordings.core import SIDES, Recording, RecordingError, SensorLayout
from solemap.recordings.io import FORMATS, read_recording, sniff_format

__all__ = [
    "FORMATS",
    "SIDES",
    "Recording",
    "RecordingError",
    "SensorLayout",
    "read_recording",
    "sniff_format",
]
