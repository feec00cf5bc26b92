"""What differs between observatories, as data (see :mod:`.tables`)."""
from __future__ import annotations

from .tables import OBSERVATORIES, Observatory, get_observatory, observatory_of_name

__all__ = ["OBSERVATORIES", "Observatory", "get_observatory", "observatory_of_name"]
