"""Reports a person would rather look at than read: one self-contained HTML file per batch run."""
from __future__ import annotations

from .html import render_report, write_report

__all__ = ["render_report", "write_report"]
