"""Synthetic dataset parameters drawn from a context's own rules (tests and benchmarks).

``generate(context, n, seed=...)`` yields pandas frames of parameter sets;
``write_save(frames, "out.json")`` streams them to a CRDS ``.json`` save that
``crds bestrefs --load-pickles`` reads.
"""
from __future__ import annotations

from .generate import generate
from .writer import frame_params, save_lines, write_save

__all__ = ["frame_params", "generate", "save_lines", "write_save"]
