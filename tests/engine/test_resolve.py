"""Chains resolved for all rows at once (encoded chains, key counts, the (table, count) lookup) against the
row-by-row walk of each chain, the scalar path the engine uses for a few rows."""
from __future__ import annotations

import random

import numpy as np
import pytest

from crds_batch.engine.columns import Column
from crds_batch.engine.compile import Chain
from crds_batch.engine.dates import DateTable
from crds_batch.engine.resolve import _walk, resolve_chains
from crds_batch.engine.evaluate import _Values
from crds_batch.engine.tables import TableIndex
from crds_batch.rules.selectors.useafter import UseAfterSelector


class _Settings:
    name = "test"
    merge_overlaps = True
    substitutions: dict = {}


def _useafter(pairs: list[tuple[str, str]]) -> UseAfterSelector:
    return UseAfterSelector(("DATE-OBS", "TIME-OBS"), pairs, _Settings())


#: Keys equal to some dates (ties), one key of an odd form (compared as a text), the dates' seconds with and
#: without fractions.
TABLES = [
    _useafter([("2001-01-01 00:00:00", "a.fits"), ("2005-06-01 12:00:00", "b.fits"), ("2010-01-01 00:00:00", "c.fits")]),
    _useafter([("2005-06-01 12:00:00", "d.fits"), ("2012-05-06 12:00:00", "N/A")]),
    _useafter([("1999-12-31 23:59:59", "e.fits"), ("2005-06-01 12:00:00", "a.fits")]),
    _useafter([("2011-13- 00:00:00", "f.fits")]),
    _useafter([("2020-01-01 00:00:00", "g.fits")]),
]

DATES = ["2005-06-01", "2012-05-06", "2001-01-01", "1999-12-31", "2011-13-45", "UNDEFINED", "06/05/2012",
         "2030-01-01", "not-a-date", "2011-12-31"]
TIMES = ["12:00:00", "12:00:00.5", "00:00:00", "23:59:59", "11:59:59", "07:14:44 PM", "UNDEFINED"]


def _chains() -> list[Chain]:
    """Chains of every step kind and flag the planner makes: top UseAfters, Match candidates (values,
    errors, several tables), DNR, not required, fallbacks (one aborting), chains with no step. As the
    planner does, a fallback is as required as its chain."""
    fallback = Chain([("useafter", TABLES[4]), ("value", "fb.fits")], required=True)
    failing_fallback = Chain([("useafter", TABLES[4])], required=True)
    aborting = Chain([], abort="NOT FOUND hook failed")
    return [
        Chain([("useafter", TABLES[0])], top_useafter=True),
        Chain([("useafter", TABLES[1]), ("useafter", TABLES[2])]),
        Chain([("useafter", TABLES[4]), ("value", "v.fits")]),
        Chain([("error", "no match for this")]),
        Chain([("useafter", TABLES[3]), ("error", "nothing else")], required=False),
        Chain([("useafter", TABLES[4])], dnr=True, fallback=fallback),
        Chain([("useafter", TABLES[2])], fallback=fallback),
        Chain([("useafter", TABLES[4])], fallback=failing_fallback),
        Chain([("useafter", TABLES[4])], required=False,
              fallback=Chain([("useafter", TABLES[4])], required=False)),
        Chain([("useafter", TABLES[1])], fallback=aborting),
        Chain([]),
        Chain([("value", ("t1.fits", "t2.fits"))]),
    ]


def _dates(rows: int, seed: int) -> DateTable:
    rng = random.Random(seed)
    pairs = [(rng.choice(DATES), rng.choice(TIMES)) for _ in range(rows)]
    columns = [Column(np.array([values.index(pair[i]) for pair in pairs], dtype=np.int32), values)
               for i, values in enumerate((DATES, TIMES))]
    return DateTable(columns, ("DATE-OBS", "TIME-OBS"), rows)


@pytest.mark.parametrize("lookup_max", [1 << 21, 0], ids=["lookup", "searched"])
def test_resolved_chains_equal_the_walk_of_each_row(lookup_max):
    """Every row's result is its chain walked alone (bad dates, ties with keys, no key <= date, fallbacks,
    DNR, reffile_required), with the chains registered in one call and read again by later ones."""
    chains = _chains()
    index = TableIndex(lookup_max)
    rng = np.random.default_rng(lookup_max)
    for call in range(3):
        dates = _dates(400, seed=call)
        order = rng.permutation(len(chains))[: len(chains) - call]  # later calls: other orders, fewer chains
        listed = [chains[c] for c in order]
        rows = np.sort(rng.choice(400, 300, replace=False))
        chain_ids = rng.integers(0, len(listed), len(rows))
        values = _Values()
        codes = resolve_chains(listed, chain_ids, dates, rows, values, index)
        expected = [_walk(listed[c], dates, d) for c, d in zip(chain_ids.tolist(), dates.did[rows].tolist())]
        assert [values.objects[c] if c >= 0 else None for c in codes.tolist()] == expected
        assert len(set(map(repr, expected))) > 12
    assert (index.ranked(lambda value: value).lookup is None) == (lookup_max == 0)


def test_results_are_registered_as_chains_are_listed():
    """Values and error texts of the chains' steps are registered chain by chain, step by step, before the
    UseAfter results, whatever the chains registered before."""
    chains = _chains()
    index = TableIndex()
    dates = _dates(50, seed=4)
    rows = np.arange(50)
    resolve_chains(chains[::-1], np.arange(50) % len(chains), dates, rows, _Values(), index)
    values = _Values()
    resolve_chains(chains, np.zeros(50, dtype=np.int64) + 2, dates, rows, values, index)
    steps = [item if what == "value" else "NOT FOUND " + item
             for chain in chains for what, item in chain.steps if what != "useafter"]
    assert values.objects[:len(set(map(repr, steps)))] == list({repr(s): s for s in steps}.values())


def test_key_counts_search_canonical_and_odd_keys_as_texts():
    """Keys in canonical form are searched among the sort keys, others among the texts: both as a string
    search of each row's normalized date would count them (equal dates included)."""
    dates = _dates(300, seed=9)
    assert dates._sort_key is not None
    texts = sorted({t for t in dates.as_array.tolist() if t})
    for keys in (texts, texts[::3] + ["2011-13- 00:00:00", "2005", "2012-05-06 12:00:00.4", ""],
                 ["2005-06-01 12:00:00", "2005-06-01 12:00:00.5"], ["~"], []):
        keys = np.array(sorted(set(keys)), dtype=str)
        rows = np.arange(300)
        expected = [int(np.searchsorted(keys, dates.date(d), side="right")) if dates.date(d) is not None else -1
                    for d in dates.did.tolist()]
        assert dates.key_counts(keys, rows).tolist() == expected


def test_dates_before_a_text_and_their_texts():
    dates = _dates(300, seed=11)
    for text in ("2005-06-01 12:00:00", "2005-06-01 12:00:00.2", "2012", "", "2011-13-45 00:00:00"):
        assert dates.before(text).tolist() == (dates.as_array < text).tolist()
    for d, valid in enumerate(dates.valid.tolist()):
        assert dates.date(d) == (str(dates.as_array[d]) if valid else None)


@pytest.mark.parametrize("threads", [4])
def test_chains_registered_from_threads_get_one_number_each(threads):
    """Partitions evaluated in threads register chains concurrently: each chain gets one number."""
    from concurrent.futures import ThreadPoolExecutor

    chains = [Chain([("useafter", TABLES[k % 5]), ("value", f"{k}.fits")]) for k in range(2000)]
    index = TableIndex()
    lists = [chains[i::2] + chains[::3] for i in range(2)] * 4
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(index.chains.numbers, lists))
    numbers = {}
    for listed, (found, encoded) in zip(lists, results):
        for chain, number in zip(listed, found.tolist()):
            assert numbers.setdefault(id(chain), number) == number
            assert encoded.items[encoded.arg[encoded.steps[number], 1]] == chain.steps[1][1]
    assert sorted(numbers.values()) == list(range(len(chains)))


def test_tables_are_numbered_in_the_order_steps_are_met():
    """A table gets its id when a partition's chains first reach it, step by step (fallbacks' tables later)."""
    index = TableIndex()
    chains = [Chain([("useafter", TABLES[3])], fallback=Chain([("useafter", TABLES[0])])),
              Chain([("useafter", TABLES[2]), ("useafter", TABLES[1])])]
    dates = _dates(20, seed=1)
    rows = np.arange(20)
    assert (dates.key_counts(np.array(["2011-13- 00:00:00"]), rows) == 0).any()  # some rows fall back
    resolve_chains(chains, rows % 2, dates, rows, _Values(), index)
    assert [index.table(TABLES[i]) for i in (3, 2, 1, 0)] == [0, 1, 2, 3]


def test_fallback_results_are_registered_as_their_chains_are_listed():
    """The fallbacks run in the order their chains are listed in this call, not the order they were
    registered in (their values are registered in that order)."""
    fallbacks = [Chain([("value", "x1.fits")]), Chain([("value", "x2.fits")])]
    chains = [Chain([("useafter", TABLES[4])], fallback=fallback) for fallback in fallbacks]
    index = TableIndex()
    dates = _dates(30, seed=2)
    rows = np.arange(30)
    resolve_chains(chains, rows % 2, dates, rows, _Values(), index)
    values = _Values()
    resolve_chains(chains[::-1], rows % 2, dates, rows, values, index)
    assert [v for v in values.objects if v in ("x1.fits", "x2.fits")] == ["x2.fits", "x1.fits"]
