"""JWST batch parity with crds bestrefs on generated corpora with crds's special cases.

The corpus (:mod:`.jwst_corpus`) is a synth corpus with 8% invalid values, a
share of datasets carrying a calibration software version (crds narrows their
types to those their pipelines use, per the CRDSCFG files it bundles) and a
share with ``META.VISIT.TSOVISIT = 'N/A'`` (equal-weight TSOPHOT cases with
different results: crds fails the whole dataset).  affected (``--all-types``
and diffs-only: ids and ``--print-new-references`` lines), check-context
(``--dump-unique-errors`` lines and counts) and bestrefs ``--load-pickles``
must print what crds prints; the scalar API must answer as
``crds.getrecommendations`` on the same datasets.
"""
from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest

from crds_batch.cli.main import main
from crds_batch.store.saves import iter_save

from ..oracle_compare import check_api
from .crds_bestrefs import run_crds_bestrefs
from .jwst_corpus import TSO_COLUMN, VERSION_COLUMN, write_jwst_corpus
from .test_check_oracle import crds_run, dump_block

pytestmark = pytest.mark.oracle

CONTEXT = "jwst_0541.pmap"
OLD = "jwst_0450.pmap"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("jwst") / "jwst.json"
    return write_jwst_corpus(path, CONTEXT, 1000, seed=31, tso_na=0.08)


@pytest.fixture(scope="module")
def headers(corpus) -> dict[str, dict[str, str]]:
    return {i: h for batch in iter_save(corpus) for i, h in zip(batch.ids, batch.headers)}


def _tied(headers) -> dict[str, dict[str, str]]:
    return {i: h for i, h in headers.items()
            if h.get(TSO_COLUMN) == "N/A" and h.get("META.EXPOSURE.TYPE") in ("NRC_TSIMAGE", "MIR_IMAGE")}


def test_corpus_has_the_special_cases(headers):
    assert len(_tied(headers)) >= 3
    assert sum(VERSION_COLUMN in h for h in headers.values()) > 200


def _ours(command: list[str]) -> tuple[list[str], str, int]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(command)
    return out.getvalue().splitlines(), err.getvalue(), code


def test_check_context_unique_errors_equal_crds(corpus):
    _, crds_log = crds_run(["--jwst", "--load-pickles", corpus, "--new-context", CONTEXT, "--dump-unique-errors"])
    # Plain crds bestrefs (no --check-context): our default bundle narrowed to match.
    ours, err, code = _ours(["check-context", "--no-cluster", "--undefined-differences-ok", "--na-differences-ok",
                             "--new-context", CONTEXT, "--params", corpus,
                             "--dump-unique-errors"])
    expected = dump_block(crds_log)
    assert dump_block(ours) == expected
    untracked = int(next(line for line in expected if line.startswith("Untracked errors:")).split(":")[1])
    assert untracked >= 3, "crds should fail the datasets with ambiguous matches"
    assert any("Unknown reference type" in line for line in expected), "crds should look up narrowed types"
    assert err.count("ambiguous TSOPHOT rules") == untracked
    assert "META.VISIT.TSOVISIT='N/A'" in err
    assert code == 1


@pytest.mark.parametrize("old", [OLD, "jwst_0540.pmap"])
def test_affected_all_types_ids_and_new_references_equal_crds(corpus, old):
    flags = ["--print-new-references", "--print-affected"]
    crds_lines, crds_errors = run_crds_bestrefs(["--jwst", "--load-pickles", corpus, "--old-context", old,
                                                 "--new-context", CONTEXT, *flags])
    ours, err, code = _ours(["affected", "--no-cluster", "--old-context", old, "--new-context", CONTEXT,
                             "--params", corpus, "--all-types", *flags])
    assert ours == crds_lines
    assert code == (1 if crds_errors else 0)
    assert len(crds_lines) > 100
    assert not any(" ('" in line or "selector" in line.lower() for line in ours), "a repr printed as a file name"
    assert "ambiguous TSOPHOT rules" in err


def test_affected_diffs_only_equals_crds(corpus):
    crds_lines, _ = run_crds_bestrefs(["--jwst", "--load-pickles", corpus, "--old-context", OLD, "--new-context",
                                       CONTEXT, "--diffs-only", "--datasets-since", "auto", "--print-new-references",
                                       "--print-affected"], diffs_only_from_pickles=True)
    ours, _, _ = _ours(["affected", "--no-cluster", "--quiet", "--old-context", OLD, "--new-context", CONTEXT,
                        "--params", corpus, "--print-new-references", "--print-affected"])
    assert ours == crds_lines
    assert len(crds_lines) > 100


@pytest.mark.parametrize("compare", [[], ["--old-context", OLD]])
def test_bestrefs_load_pickles_equal_crds(corpus, compare):
    crds_lines, _ = run_crds_bestrefs(["--jwst", "--load-pickles", corpus, "--new-context", CONTEXT,
                                       "--print-new-references", *compare])
    ours, err, _ = _ours(["bestrefs", "--load-pickles", corpus, "--new-context", CONTEXT, "--print-new-references",
                          *compare])
    assert ours == crds_lines
    assert "ambiguous TSOPHOT rules" in err


def test_scalar_api_on_ambiguous_and_narrowed_datasets(headers):
    """getrecommendations answers as crds: the same TypeError on tied choices, the same narrowed types."""
    import crds

    from crds_batch.engine.evaluate import evaluate_records

    tied = [h for h in _tied(headers).values() if VERSION_COLUMN not in h][:5]  # (a version narrows TSOPHOT away)
    assert len(tied) >= 2
    versioned = [h for h in headers.values() if h.get(VERSION_COLUMN) not in (None, "BOGUS")][:15]
    for header in tied + versioned:
        check_api(dict(header), CONTEXT, "jwst")
    for header in tied:  # crds's fast mode (no bad-file checks) returns the tuple itself
        theirs = crds.getrecommendations(dict(header), context=CONTEXT, observatory="jwst", fast=True)
        ours = evaluate_records(CONTEXT, [dict(header)])[0]
        assert {k: repr(v) for k, v in ours.items()} == {k: repr(v) for k, v in theirs.items()}
        assert any(isinstance(value, tuple) for value in ours.values())
    frame = pd.DataFrame(versioned)
    assert frame[VERSION_COLUMN].nunique() > 3


def test_update_pickle_save_equals_crds(corpus, headers, tmp_path):
    """--update-pickle: new results join each dataset's parameters, except for datasets crds failed as a whole."""
    crds_save, our_save = tmp_path / "crds.json", tmp_path / "ours.json"
    crds_run(["--jwst", "--load-pickles", corpus, "--new-context", CONTEXT, "--update-pickle",
              "--save-pickle", str(crds_save)])
    _ours(["check-context", "--no-cluster", "--quiet", "--undefined-differences-ok", "--na-differences-ok",
           "--new-context", CONTEXT, "--params", corpus,
           "--update-pickle", "--save-pickle", str(our_save)])

    def load(path):
        return {i: h for batch in iter_save(str(path)) for i, h in zip(batch.ids, batch.headers)}

    expected = load(crds_save)
    assert load(our_save) == expected
    failed = [i for i in _tied(headers) if VERSION_COLUMN not in headers[i]]
    assert failed and all(expected[i] == headers[i] for i in failed)
