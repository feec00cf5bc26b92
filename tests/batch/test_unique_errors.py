"""Error classes: crds's key, order, counts, example ids, and its id shortening."""
from __future__ import annotations

import pandas as pd

from crds_batch.batch.unique_errors import (annotate_fits_keywords, classify, error_totals, short_id, strip_crds_prefix,
                                           tally_errors, totals_of)


def _errors(rows):
    return pd.DataFrame(rows, columns=["dataset_id", "instrument", "filekind", "message", "level"])


def test_short_id():
    assert short_id("J8BT05NJQ:J8BT05NJQ") == "J8BT05NJQ"
    assert short_id("I0B81S010:I0B81SA0Q") == "I0B81S010:I0B81SA0Q"
    assert short_id("JW01.NRS1") == "JW01.NRS1"


def test_classes_counts_examples_and_lines():
    unique = classify(_errors([
        ("B:B", "acs", "biasfile", "New: Bestref FAILED:  x", "error"),
        ("A:A", "acs", "biasfile", "New: Bestref FAILED:  x", "error"),
        ("C:D", "acs", "darkfile", "New: Bestref FAILED:  x", "error"),
        ("E:E", "acs", "darkfile", "New: Bestref FAILED:  x", "warning"),  # warnings are not tracked
        ("F:F", "foo", "", "Failed processing: nope", "error"),  # untracked
    ]))
    assert [(c.instrument, c.filekind, c.count, c.examples) for c in unique.classes] == [
        ("ACS", "BIASFILE", 2, ("A", "B")), ("ACS", "DARKFILE", 1, ("C:D",))]
    assert unique.tracked == 3 and unique.untracked == 1 and unique.total == 4
    assert unique.crds_lines() == [
        "==================== unique error classes ====================",
        "000002 errors like:: instrument='ACS' type='BIASFILE' data='A' ::  New: Bestref FAILED:  x",
        "000001 errors like:: instrument='ACS' type='DARKFILE' data='C:D' ::  New: Bestref FAILED:  x",
        "All unique error types: 2",
        "Untracked errors: 1",
        "==================== ==================== ====================",
    ]
    assert unique.crds_lines(threshold=2)[0].startswith("Limiting error class reporting")


def test_bad_context_once_per_instrument():
    message = "New-context = 'x.pmap' is bad or contains bad rules."
    unique = classify(_errors([
        ("ALL", "miri", "ALL", message, "error"),
        ("ALL", "miri", "ALL", message, "error"),  # another partition of the same instrument
        ("ALL", "nircam", "ALL", message, "error"),
    ]))
    [cls] = unique.classes
    assert (cls.instrument, cls.filekind, cls.count, cls.example) == ("ALL", "ALL", 2, "ALL")


def test_classes_sort_by_crds_key_text():
    unique = classify(_errors([
        ("A", "wfc3", "pfltfile", "m", "error"),
        ("A", "wfc3", "pflt_b", "m", "error"),
        ("A", "acs", "z", "m", "error"),
    ]))
    assert [c.filekind for c in unique.classes] == ["Z", "PFLTFILE", "PFLT_B"]


def test_totals_of_partitions_tallies_are_the_whole_runs():
    """Partitions' tallies (what their summaries carry instead of error rows) add up to the totals of every row:
    a bad context reported by two partitions counts once, a dataset failing in two partitions once (its first
    message), warnings are counted apart."""
    message = "New-context = 'x.pmap' is bad or contains bad rules."
    pieces = [
        _errors([("ALL", "miri", "ALL", message, "error"), ("B:B", "miri", "darkfile", "m1", "error"),
                 ("Z:Z", "miri", "", "Failed processing: first", "error"), ("W:W", "miri", "flat", "w", "warning")]),
        _errors([("ALL", "miri", "ALL", message, "error"), ("ALL", "nircam", "ALL", message, "error"),
                 ("Z:Z", "miri", "", "Failed processing: second", "error"), ("A:A", "miri", "", "Failed: a", "error")]),
        _errors([]),
        _errors([("C:C", "miri", "darkfile", "m1", "error")]).astype({"message": "category", "instrument": "category"}),
    ]
    whole = pd.concat(pieces, ignore_index=True)
    tallies = [tally_errors(piece) for piece in pieces]
    totals, expected = totals_of(tallies), error_totals(whole)
    assert (totals.tracked, totals.untracked, totals.dataset_failures) == (
        expected.tracked, expected.untracked, expected.dataset_failures) == (
        4, 2, (("A:A", "Failed: a"), ("Z:Z", "Failed processing: first")))
    assert classify(whole).total == totals.total == 6
    assert sum(tally.warnings for tally in tallies) == 1


def test_empty():
    unique = classify(_errors([]))
    assert unique.classes == () and unique.total == 0
    assert unique.crds_lines()[1] == "All unique error types: 0"


def test_fits_annotations_and_prefix():
    assert (annotate_fits_keywords("parameter='META.INSTRUMENT.DETECTOR' value='X'")
            == "parameter='META.INSTRUMENT.DETECTOR [DETECTOR]' value='X'")
    assert annotate_fits_keywords("META.INSTRUMENT.GRATINGA") == "META.INSTRUMENT.GRATINGA [FITS unknown]"
    assert annotate_fits_keywords("no model path") == "no model path"
    assert strip_crds_prefix(["CRDS - INFO -  000001 errors like:: x", "plain"]) == ["000001 errors like:: x", "plain"]
