"""`crds-batch affected` prints what `crds bestrefs` prints, on generated corpora.

Parity contract (DESIGN.md): with --all-types (compare every type, as plain
crds bestrefs) the affected ids and --print-new-references lines equal
``crds bestrefs --old-context A --new-context B --load-pickles X.json``; the
default --diffs-only mode equals crds's --diffs-only (datasets-since auto)
over the same headers.
"""
from __future__ import annotations

import pytest

from crds_batch.cli.main import main
from crds_batch.synth import generate, write_save

from .crds_bestrefs import run_crds_bestrefs

pytestmark = pytest.mark.oracle

CORPORA = {"hst": ("hst_0729.pmap", 1500, 11), "jwst": ("jwst_0541.pmap", 1000, 12)}

PAIRS = [
    ("hst", "hst_0728.pmap", "hst_0729.pmap"),  # adjacent: one WFC3 delivery
    ("hst", "hst_0650.pmap", "hst_0729.pmap"),  # far apart, deletions, SYNPHOT absent from the old one
    ("hst", "hst_0700.pmap", "hst_0710.pmap"),
    ("jwst", "jwst_0540.pmap", "jwst_0541.pmap"),
    ("jwst", "jwst_0474.pmap", "jwst_0541.pmap"),  # an rmap going from N/A to rules
]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    saves = {}
    for observatory, (context, n, seed) in CORPORA.items():
        path = tmp_path_factory.mktemp(observatory) / f"{observatory}.json"
        write_save(generate(context, n, seed=seed, invalid_fraction=0.05), str(path))
        saves[observatory] = str(path)
    return saves


def _ours(capsys, argv):
    code = main(["affected", "--no-cluster", "--quiet", *argv])
    return capsys.readouterr().out.splitlines(), code


@pytest.mark.parametrize("observatory, old, new", PAIRS)
def test_all_types_equals_crds_bestrefs(corpora, capsys, observatory, old, new):
    save = corpora[observatory]
    crds_ids, crds_errors = run_crds_bestrefs(
        [f"--{observatory}", "--load-pickles", save, "--old-context", old, "--new-context", new, "--print-affected"])
    ours, code = _ours(capsys, ["--old-context", old, "--new-context", new, "--params", save,
                                "--all-types", "--print-affected"])
    assert ours == crds_ids
    assert code == (1 if crds_errors else 0)
    assert crds_ids, "the corpus should make some datasets affected"


@pytest.mark.parametrize("observatory, old, new", PAIRS[:2] + PAIRS[3:4])
def test_new_references_lines_equal_crds(corpora, capsys, observatory, old, new):
    save = corpora[observatory]
    crds_lines, _ = run_crds_bestrefs(
        [f"--{observatory}", "--load-pickles", save, "--old-context", old, "--new-context", new, "--print-new-references"])
    ours, _ = _ours(capsys, ["--old-context", old, "--new-context", new, "--params", save,
                             "--all-types", "--print-new-references"])
    assert ours == crds_lines


@pytest.mark.parametrize("observatory, old, new", PAIRS)
def test_diffs_only_equals_crds_diffs_only(corpora, capsys, observatory, old, new):
    save = corpora[observatory]
    crds_ids, _ = run_crds_bestrefs(
        [f"--{observatory}", "--load-pickles", save, "--old-context", old, "--new-context", new, "--diffs-only",
         "--datasets-since", "auto", "--print-affected"], diffs_only_from_pickles=True)
    ours, _ = _ours(capsys, ["--old-context", old, "--new-context", new, "--params", save, "--print-affected"])
    assert ours == crds_ids


def test_affected_datasets_bundle_equals_crds(corpora, capsys):
    save = corpora["hst"]
    argv = ["--hst", "--load-pickles", save, "--old-context", "hst_0700.pmap", "--new-context", "hst_0710.pmap"]
    crds_ids, _ = run_crds_bestrefs(argv + ["--affected-datasets"], diffs_only_from_pickles=True)
    ours, _ = _ours(capsys, ["--old-context", "hst_0700.pmap", "--new-context", "hst_0710.pmap",
                             "--params", save, "--affected-datasets"])
    assert ours == crds_ids
