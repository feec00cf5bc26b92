"""The embedded offline default: a pretend instrument, two contexts, a generated archive.

``crds-batch demo`` builds it and runs the main job (affected datasets) on it,
so a fresh machine with no CRDS cache and no network shows the whole path.
"""
from __future__ import annotations

from .rules import DEMO_NEW_CONTEXT, DEMO_OLD_CONTEXT, write_demo_cache

__all__ = ["DEMO_NEW_CONTEXT", "DEMO_OLD_CONTEXT", "write_demo_cache"]
