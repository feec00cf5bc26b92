"""Generate realistic dataset parameter sets from a context's own rules, chunk by chunk."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from ..errors import CrdsBatchError
from ..observatories import observatory_of_name
from . import dates as dates_mod
from . import ids, variation
from .archetypes import ArchetypePool, build_pool
from .clean import redraw_failures
from .rules import InstrumentFacts, context_facts

#: Relative share of each instrument's datasets (archives are not uniform); others weigh 1.
INSTRUMENT_WEIGHTS = {
    "WFC3": 30, "ACS": 25, "STIS": 15, "COS": 12, "WFPC2": 10, "NICMOS": 7, "SYNPHOT": 1,
    "NIRCAM": 35, "NIRSPEC": 20, "MIRI": 20, "NIRISS": 12, "FGS": 12, "SYSTEM": 1,
    "WFI": 1,
}
#: Parameters no dataset carries: crds counts the imap's REFTYPE as required, it stays UNDEFINED.
NEVER_SET = frozenset({"REFTYPE"})
#: Largest archetype pool per instrument.
MAX_POOL = 1000


def generate(context: str, n: int, *, seed: int = 0, instruments: Iterable[str] | None = None,
             invalid_fraction: float = 0.02, odd_date_fraction: float = 0.03, early_fraction: float = 0.01,
             prior_fraction: float = 0.0, chunk_size: int = 100_000,
             pool_size: int | None = None) -> Iterator[pd.DataFrame]:
    """Generate ``n`` dataset parameter sets whose values come from ``context``'s rules.

    Parameters
    ----------
    context
        Pipeline context name (``hst_0729.pmap``), located in the CRDS cache.
    n
        Number of datasets.
    seed
        The output is a pure function of all arguments, seed included.
    instruments
        Instruments to generate (any case); default all of the context's.
    invalid_fraction
        Fraction of datasets given one invalid value (unknown value, missing
        keyword or bad date). With ``early_fraction`` also 0, no dataset
        fails any lookup (failing draws are drawn again, see :mod:`.clean`).
    odd_date_fraction
        Fraction of dates written in the less common formats CRDS accepts.
    early_fraction
        Fraction of dates before the instrument's first UseAfter date.
    prior_fraction
        Fraction of datasets carrying recorded prior assignments (under the
        type's keyword: ``DARKFILE`` for HST, the type name for JWST).
    chunk_size
        Largest number of rows in one yielded frame.
    pool_size
        Archetypes per instrument; default grows with ``n`` up to 1000.

    Yields
    ------
    pandas.DataFrame
        One instrument's datasets per frame: ``dataset_id`` then parameter
        columns, values strings or ``None`` (keyword absent).
    """
    if n < 0:
        raise CrdsBatchError(f"Cannot generate a negative number of datasets ({n})")
    if not 0.0 <= invalid_fraction <= 1.0:
        raise CrdsBatchError(f"invalid_fraction must be within [0, 1], not {invalid_fraction}")
    observatory_of_name(context)  # a clear error for a name of no observatory, before any file is read
    facts = context_facts(context)
    selected = _select(facts, instruments, context)
    weights = np.array([INSTRUMENT_WEIGHTS.get(name, 1) for name in selected], dtype=float)
    streams = np.random.SeedSequence(seed).spawn(len(selected) + 1)
    counts = np.random.default_rng(streams[-1]).multinomial(n, weights / weights.sum()) if n else np.zeros(
        len(selected), dtype=int)
    # No deliberate faults asked for: no dataset may fail (see .clean).
    clean_context = context if invalid_fraction == 0 and early_fraction == 0 else None
    makers = [_InstrumentMaker(facts[name], int(count), np.random.default_rng(stream), seed, pool_size,
                               dict(invalid_fraction=invalid_fraction, odd_date_fraction=odd_date_fraction,
                                    early_fraction=early_fraction, prior_fraction=prior_fraction),
                               clean_context)
              for name, count, stream in zip(selected, counts, streams) if count]
    chunks = max(1, -(-n // max(1, chunk_size)))
    for chunk in range(chunks):
        for maker in makers:
            size = maker.share(chunk, chunks)
            if size:
                yield maker.make(size)


def _select(facts: dict[str, InstrumentFacts], instruments: Iterable[str] | None, context: str) -> list[str]:
    if instruments is None:
        return sorted(facts)
    wanted = [name.upper() for name in instruments]
    unknown = sorted(set(wanted) - set(facts))
    if unknown:
        raise CrdsBatchError(f"{context} has no instrument {', '.join(unknown)}; it has {', '.join(sorted(facts))}")
    return sorted(set(wanted))


class _InstrumentMaker:
    """Draws one instrument's datasets, chunk after chunk, from its own random stream."""

    def __init__(self, facts: InstrumentFacts, total: int, rng: np.random.Generator, seed: int,
                 pool_size: int | None, options: dict, clean_context: str | None = None):
        self.facts = facts
        self.clean_context = clean_context
        self.total = total
        self.rng = rng
        self.options = options
        self.observatory = facts.observatory
        self.style = dates_mod.date_style(self.observatory)
        self.switches = variation.switch_keys(facts)
        skip = frozenset(self.style.keys) | {self.observatory.instrument_keyword} | NEVER_SET | set(self.switches)
        size = pool_size or min(MAX_POOL, max(32, total // 4))
        self.pool: ArchetypePool = build_pool(facts, size, rng, skip)
        self.flips = variation.flip_choices(facts)
        self.span = dates_mod.mission_span(facts.useafter_dates, self.observatory.name)
        self.first_rule = dates_mod.first_rule_date(facts.useafter_dates)
        self.done = 0
        # Different seeds give different ids, so saves of several runs can be merged.
        self.serial_base = (seed * 104_729) % (36 ** 5 // 2) * ids.EXPOSURES_PER_VISIT

    def share(self, chunk: int, chunks: int) -> int:
        """Rows of this instrument in chunk number ``chunk`` (spread evenly over the chunks)."""
        return self.total * (chunk + 1) // chunks - self.total * chunk // chunks

    def make(self, size: int) -> pd.DataFrame:
        """``size`` datasets; with a clean context, none of them fails a lookup."""
        frame = self._draw(size)
        if self.clean_context is None:
            return frame
        return redraw_failures(self.clean_context, frame, self._draw, self.facts.instrument)

    def _draw(self, size: int) -> pd.DataFrame:
        rng, facts = self.rng, self.facts
        archetypes = rng.integers(len(self.pool), size=size)
        columns = {key: values[archetypes] for key, values in self.pool.columns.items()}
        serials = np.arange(self.done, self.done + size, dtype=np.int64) + self.serial_base
        self.done += size
        dataset_ids = self._ids(serials, columns)
        columns.update(variation.draw_switches(rng, self.switches, size))
        variation.flip_relevance(rng, columns, self.flips)
        when = dates_mod.draw_dates(rng, self.pool.min_dates[archetypes], self.span, self.options["early_fraction"],
                                    self.first_rule)
        columns.update(dates_mod.format_dates(rng, when, self.style, self.options["odd_date_fraction"]))
        value_keys = [key for key, values in self.pool.columns.items() if key not in NEVER_SET]
        variation.corrupt(rng, columns, self.options["invalid_fraction"], value_keys, self.style.keys)
        if self.options["prior_fraction"]:
            hst = self.observatory.name == "hst"
            columns.update(variation.prior_assignments(
                rng, facts, self.pool, archetypes, when, self.options["prior_fraction"], {}, upper_names=hst))
        columns[self.observatory.instrument_keyword] = np.full(size, facts.instrument, dtype=object)
        frame = {"dataset_id": dataset_ids}
        frame[self.observatory.instrument_keyword] = columns.pop(self.observatory.instrument_keyword)
        for key in sorted(columns):
            frame[key] = columns[key]
        # object dtype keeps values plain str and absent ones None (pandas would infer its string dtype).
        return pd.DataFrame(frame, dtype=object)

    def _ids(self, serials: np.ndarray, columns: dict[str, np.ndarray]) -> np.ndarray:
        name = self.observatory.name
        if self.observatory.compound_ids:  # PRODUCT:EXPOSURE rootnames, HST style
            return ids.hst_ids(self.facts.instrument, serials)
        detector_key = {"jwst": "META.INSTRUMENT.DETECTOR", "roman": "ROMAN.META.INSTRUMENT.DETECTOR"}.get(name)
        detectors = columns.get(detector_key)
        if detectors is None:
            detectors = np.full(len(serials), self.facts.instrument, dtype=object)
        else:
            codes, uniques = pd.factorize(detectors)
            # Ids stay word-like whatever the detector value is (N/A, missing).
            words = [str(d).replace("/", "").replace(" ", "") for d in uniques]
            table = np.array([w if w and w != "NA" else self.facts.instrument for w in words]
                             + [self.facts.instrument], dtype=object)
            detectors = table[codes]
        return ids.jwst_ids(serials, detectors, prefix="R" if name == "roman" else "JW")
