"""Region masks of a recording: which sensels or sensors lie in which area of an atlas layer.

A registered side (:class:`~solemap.recordings.registration.Registration`) gives every sensel
centre a (u, v) position; the layer's areas (as :class:`solemap.lookup.LabelRaster` lists them)
then tell, by an exact point-in-polygon test, which areas contain it. Overlapping layers
(reflexology, anatomy) give a sensel several areas. The result is a
:class:`~solemap.recordings.metrics.RegionWeights` with weight 1 for a sensel whose centre lies in
the area and 0 otherwise (pressuRe's default of whole sensors; fractional weights by overlap are
the subject of issue 10). Computed once per recording side.
"""

from __future__ import annotations

import numpy as np
import shapely

from solemap.atlas import load_atlas
from solemap.lookup import LabelRaster
from solemap.recordings.metrics import RegionWeights
from solemap.recordings.registration import Registration

__all__ = ["DEFAULT_LAYER", "LayerError", "layer_ids", "region_weights"]

#: The layer analysed when none is named: the 10-region plantar-pressure mask.
DEFAULT_LAYER = "pressure-regions"


class LayerError(ValueError):
    """An unknown layer id (the message lists the known ones)."""


def layer_ids() -> tuple[str, ...]:
    """Ids of the atlas layers that can serve as masks."""
    return tuple(load_atlas().layers)


def region_weights(
    registration: Registration,
    layer: str = DEFAULT_LAYER,
    valid: np.ndarray | None = None,
    *,
    drop_empty: bool = True,
) -> RegionWeights:
    """Membership of each sensel/sensor of a registered side in the areas of ``layer``.

    Parameters
    ----------
    registration : the side's registration (its ``u``, ``v`` and ``side`` are used).
    layer : atlas layer id (see :func:`layer_ids`).
    valid : (N,) or the side's frame shape, bool; False cells (outside the sensor) join no area.
    drop_empty : leave out areas that no sensel falls in (e.g. toe tips beyond an insole).

    Returns (N, K) weights over the layer's areas on that side, in atlas order.
    """
    atlas = load_atlas()
    if layer not in atlas.layers:
        raise LayerError(f"unknown layer {layer!r}; layers: {', '.join(atlas.layers)}")
    raster = LabelRaster.for_layer(layer, registration.side)
    u = np.asarray(registration.u, dtype=np.float64).reshape(-1)
    v = np.asarray(registration.v, dtype=np.float64).reshape(-1)
    # Exact point-in-polygon on the layer's own geometries: a recording has at most a few thousand
    # sensels, for which this takes milliseconds.
    member = np.zeros((u.size, len(raster.area_ids)), dtype=bool)
    for k, geom in enumerate(raster.geometries):
        member[:, k] = shapely.contains_xy(geom, u, v)
    if valid is not None:
        ok = np.asarray(valid, dtype=bool).reshape(-1)
        if ok.shape[0] != member.shape[0]:
            raise ValueError(f"valid has {ok.shape[0]} cells, registration {member.shape[0]}")
        member &= ok[:, None]
    ids = list(raster.area_ids)
    if drop_empty:
        keep = member.any(axis=0)
        member = member[:, keep]
        ids = [i for i, k in zip(ids, keep, strict=True) if k]
    return RegionWeights.from_masks(ids, member)
