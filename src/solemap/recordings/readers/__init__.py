"""One module per pressure file format; each exposes ``read(path, **options) -> Recording``.

The dispatcher :func:`solemap.recordings.read_recording` picks the module (see
:data:`solemap.recordings.io.FORMATS`). Modules are imported lazily, when a file is read.
"""
