"""The foot atlas: sourced layers of areas on the sole, kept as data files and validated on load.

>>> from solemap.atlas import load_atlas
>>> atlas = load_atlas()
>>> atlas.get("refl-kidney").side
'both'

Geometry is in the normalized plantar frame ``uv`` (see :mod:`solemap.frame`). The data files,
their format and every source are described in ``atlas/README.md``.
"""

from solemap.atlas.loader import (
    SEGMENT_UV,
    AtlasError,
    Problem,
    atlas_report,
    build_geometry,
    default_directory,
    load_atlas,
    sources_markdown,
)
from solemap.atlas.model import (
    EVIDENCE_LABELS,
    LAYER_KINDS,
    SIDES,
    Area,
    Atlas,
    ChainLink,
    Layer,
    Source,
)

__all__ = [
    "EVIDENCE_LABELS",
    "LAYER_KINDS",
    "SEGMENT_UV",
    "SIDES",
    "Area",
    "Atlas",
    "AtlasError",
    "ChainLink",
    "Layer",
    "Problem",
    "Source",
    "atlas_report",
    "build_geometry",
    "default_directory",
    "load_atlas",
    "sources_markdown",
]
