"""Random parameter sets built from the rules' own match values (for differential tests)."""
from __future__ import annotations

import random

from crds_batch.rules.mappings import PipelineContext, ReferenceMapping
from crds_batch.rules.selectors import Selector, UseAfterSelector

_NOISE = ["UNDEFINED", "N/A", "*", "BOGUS", "1.0", "0", "ANY", ""]
_DATES = ["2002-03-01", "2005-06-07", "2009-05-14", "2012-12-31", "2016/02/29", "2020-01-01T10:11:12",
          "1990-01-01", "02/03/2011", "Jan 5 2010", "2023-07-04", "UNDEFINED", "2010-13-45"]
_TIMES = ["00:00:00", "12:30:45.5", "23:59:59", "UNDEFINED", "04:35", "bad"]


def value_pool(context: PipelineContext, instrument: str) -> dict[str, list[str]]:
    """Values each parameter takes in the instrument's rmaps (+ UseAfter dates)."""
    imap = context.get_imap(instrument)
    pool: dict[str, set[str]] = {}
    for rmap in imap.normal_children():
        if isinstance(rmap, ReferenceMapping):
            _collect(rmap.selector, pool)
    return {key: sorted(values) for key, values in pool.items()}


def _collect(selector: Selector, pool: dict[str, set[str]]) -> None:
    if isinstance(selector, UseAfterSelector):
        for key in selector.keys[:50]:
            parts = str(key).split()
            for par, part in zip(selector.parameters, parts):
                pool.setdefault(par, set()).add(part)
    else:
        for key, _ in selector.selections:
            key = key if isinstance(key, tuple) else (key,)
            for par, field in zip(selector.parameters, key):
                for part in str(field).split("|"):
                    if not part.startswith(("(", "{", "#")):
                        pool.setdefault(par, set()).add(part)
    for choice in selector.choices():
        if isinstance(choice, Selector):
            _collect(choice, pool)


def random_headers(context: PipelineContext, instrument: str, n: int, seed: int = 0,
                   instrument_key: str = "INSTRUME") -> list[dict[str, str]]:
    rng = random.Random(seed)
    pool = value_pool(context, instrument)
    headers = []
    for _ in range(n):
        header = {instrument_key: instrument.upper()}
        for key, values in pool.items():
            roll = rng.random()
            if roll < 0.05:
                continue
            if key in ("DATE-OBS", "META.OBSERVATION.DATE"):
                header[key] = rng.choice(values + _DATES)
            elif key in ("TIME-OBS", "META.OBSERVATION.TIME"):
                header[key] = rng.choice(values + _TIMES)
            elif roll < 0.12:
                header[key] = rng.choice(_NOISE)
            else:
                header[key] = rng.choice(values) if values else "X"
        headers.append(header)
    return headers
