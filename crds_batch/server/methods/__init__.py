"""The JSON-RPC methods, grouped by topic; importing this package fills :data:`METHODS`."""
from __future__ import annotations

from . import affected, bestrefs, context, datasets, files, system  # noqa: F401  (registration)
from .registry import METHODS, Call

__all__ = ["METHODS", "Call"]
