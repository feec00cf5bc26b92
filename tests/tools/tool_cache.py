"""A writable CRDS cache whose mappings are symlinks to the real cache's (tools that add mappings)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.conftest import CACHE


def linked_cache(root: Path, observatory: str = "hst") -> Path:
    """``root`` holding ``mappings/<obs>`` (a symlink per real mapping) and a copy of ``config/<obs>``."""
    mappings = root / "mappings" / observatory
    mappings.mkdir(parents=True)
    real = CACHE / "mappings" / observatory
    for name in os.listdir(real):
        os.symlink(real / name, mappings / name)
    shutil.copytree(CACHE / "config" / observatory, root / "config" / observatory)
    return root
