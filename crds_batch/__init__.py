"""crds-batch: CRDS best references, columnar and distributed.

The public per-dataset API mirrors ``crds.getrecommendations``; the batch
jobs (affected datasets, context testing) live in :mod:`crds_batch.batch`.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["getrecommendations", "__version__"]


def __getattr__(name):
    # Imported lazily so that `import crds_batch` stays cheap for the CLI.
    if name == "getrecommendations":
        from .api import getrecommendations

        return getrecommendations
    raise AttributeError(name)
