"""Package defaults merged into ``dask.config`` (the distributed way)."""
from __future__ import annotations

import os

import dask.config
import yaml

_DEFAULTS_FILE = os.path.join(os.path.dirname(__file__), "crds_batch.yaml")

with open(_DEFAULTS_FILE) as _handle:
    _defaults = yaml.safe_load(_handle)

dask.config.update_defaults(_defaults)


def get(key: str, default=None):
    """Return setting ``crds_batch.<key>`` from dask.config."""
    return dask.config.get(f"crds_batch.{key}", default)
