"""Dataset ids in the form each archive gives them (``PRODUCT:EXPOSURE``).

- HST: 9-character rootnames, first letter the instrument's (``j`` ACS,
  ``i`` WFC3, ...), upper-case. Exposures of an associated visit share the
  association product ``<visit>010``; others are their own product.
- JWST: ``JWPPPPPOOOVVV_GGSAA_EEEEE.DETECTOR`` for both parts, the archive's
  form of ``jwPPPPPOOOVVV_GGSAA_EEEEE_detector``.
- Roman: the same shape with an ``R`` program prefix.
"""
from __future__ import annotations

import numpy as np

#: HST rootname letter per instrument (SYNPHOT has no datasets of its own: a free letter).
HST_LETTERS = {"ACS": "J", "WFC3": "I", "COS": "L", "STIS": "O", "NICMOS": "N", "WFPC2": "U",
               "FOC": "X", "SYNPHOT": "S"}
#: Exposures per visit (HST) before the visit number moves on.
EXPOSURES_PER_VISIT = 4
#: Fraction of HST visits whose exposures form an association product.
ASSOCIATED_FRACTION = 0.35

_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _base36(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 36)
        digits.append(_BASE36[digit])
    return "".join(reversed(digits))


def hst_ids(instrument: str, serials: np.ndarray) -> np.ndarray:
    """Ids for HST datasets numbered ``serials`` (unique per instrument)."""
    letter = HST_LETTERS.get(instrument.upper(), instrument[:1].upper())
    visits = serials // EXPOSURES_PER_VISIT
    exposure = serials % EXPOSURES_PER_VISIT
    unique_visits, inverse = np.unique(visits, return_inverse=True)
    prefixes = np.array([letter + _base36(int(v), 5) for v in unique_visits], dtype=object)
    # A visit's association status is a fixed function of its number: stable across chunks.
    associated = (unique_visits * 2654435761 % 1000) < ASSOCIATED_FRACTION * 1000
    suffixes = np.array([_base36(36 * 10 + 7 * e, 2) + "Q" for e in range(EXPOSURES_PER_VISIT)], dtype=object)
    exposures = prefixes[inverse] + suffixes[exposure]
    products = np.where(associated[inverse], prefixes[inverse] + "010", exposures)
    return products + ":" + exposures


def jwst_ids(serials: np.ndarray, detectors: np.ndarray, prefix: str = "JW") -> np.ndarray:
    """Ids for JWST (or, with ``prefix="R"``, Roman) datasets numbered ``serials``."""
    visits = serials // 8
    unique_visits, inverse = np.unique(visits, return_inverse=True)
    stems = np.array([f"{prefix}{1000 + v // 10000:05d}{v // 100 % 100 + 1:03d}{v % 100 + 1:03d}_02101_"
                      for v in unique_visits.tolist()], dtype=object)
    numbers = np.array([f"{e + 1:05d}." for e in range(8)], dtype=object)
    exposures = stems[inverse] + numbers[serials % 8] + detectors
    return exposures + ":" + exposures
