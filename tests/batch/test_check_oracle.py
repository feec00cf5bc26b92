"""`crds-batch check-context` gives crds bestrefs's error classes and compare-source lines.

Parity contract (issue 5): on generated corpora with deliberate faults
(invalid values, missing keywords, bad dates, recorded prior assignments),
our ``--dump-unique-errors`` block equals the one crds logs for the same
parameters and context, line for line (classes, counts, example ids, the
totals), and ``--compare-source-bestrefs --print-new-references`` prints
crds's lines.
"""
from __future__ import annotations

import contextlib
import io

import pytest

from crds_batch.batch.unique_errors import strip_crds_prefix
from crds_batch.cli.main import main
from crds_batch.synth import generate, write_save

pytestmark = pytest.mark.oracle

CORPORA = {"hst": ("hst_0729.pmap", 900, 21), "jwst": ("jwst_0541.pmap", 600, 22)}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    saves = {}
    for observatory, (context, n, seed) in CORPORA.items():
        path = tmp_path_factory.mktemp(observatory) / f"{observatory}.json"
        write_save(generate(context, n, seed=seed, invalid_fraction=0.08, prior_fraction=0.5), str(path))
        saves[observatory] = str(path)
    return saves


def crds_run(argv: list[str]) -> tuple[list[str], list[str]]:
    """crds bestrefs in-process: (stdout lines, log lines without the ``CRDS - LEVEL -`` prefix)."""
    from crds.bestrefs import bestrefs as crds_bestrefs_module
    from crds.core import log as crds_log

    out, logged = io.StringIO(), io.StringIO()
    handler = crds_log.add_stream_handler(logged)
    crds_log.set_verbose(0)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            crds_bestrefs_module.BestrefsScript(["crds.bestrefs", *argv])()
    finally:
        crds_log.remove_stream_handler(handler)
        crds_log.reset()
    return out.getvalue().splitlines(), strip_crds_prefix(logged.getvalue().splitlines())


def dump_block(lines: list[str]) -> list[str]:
    """The ``=== unique error classes ===`` block of a log or of our output."""
    start = next(i for i, line in enumerate(lines) if "unique error classes" in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("=" * 20))
    return lines[start:end + 1]


def ours(capsys, argv: list[str]) -> tuple[list[str], int]:
    # Plain crds bestrefs (no --check-context): narrow our default bundle to the switches given.
    narrowed = [f"--{name}-ok" for name in ("undefined-differences", "na-differences") if f"--{name}-matter" not in argv]
    code = main(["check-context", "--no-cluster", "--quiet", *argv, *narrowed])
    return capsys.readouterr().out.splitlines(), code


def _compare(corpora, capsys, observatory, context, crds_args, our_args=None):
    save = corpora[observatory]
    crds_out, crds_log = crds_run([f"--{observatory}", "--load-pickles", save, "--new-context", context,
                                   "--dump-unique-errors", *crds_args])
    our_out, code = ours(capsys, ["--new-context", context, "--params", save, "--dump-unique-errors",
                                  *(crds_args if our_args is None else our_args)])
    expected = dump_block(crds_log)
    assert dump_block(our_out) == expected
    assert len(expected) > 10, "the corpus should give several error classes"
    assert code == 1
    block = set(expected)
    return [line for line in crds_out], [line for line in our_out if line not in block]


@pytest.mark.parametrize("observatory", ["hst", "jwst"])
def test_unique_errors_equal_crds(corpora, capsys, observatory):
    _compare(corpora, capsys, observatory, CORPORA[observatory][0], [])


def test_undefined_differences_matter_classes(corpora, capsys):
    _compare(corpora, capsys, "hst", "hst_0729.pmap", ["--undefined-differences-matter"])


@pytest.mark.parametrize("observatory", ["hst", "jwst"])
def test_compare_source_lines_and_classes_equal_crds(corpora, capsys, observatory):
    args = ["--compare-source-bestrefs", "--print-new-references", "--differences-are-errors"]
    crds_lines, our_lines = _compare(corpora, capsys, observatory, CORPORA[observatory][0], args)
    assert our_lines == crds_lines
    assert len(crds_lines) > 50


def test_compare_source_na_and_undefined_matter(corpora, capsys):
    args = ["--compare-source-bestrefs", "--print-new-references", "--differences-are-errors",
            "--na-differences-matter", "--undefined-differences-matter"]
    crds_lines, our_lines = _compare(corpora, capsys, "hst", "hst_0729.pmap", args)
    assert our_lines == crds_lines


def test_types_skip_types_and_id_lists(corpora, capsys, tmp_path):
    """--types limits the new lookups while the recorded side keeps every type, as in crds."""
    from crds_batch.store.saves import iter_save

    ids = sorted(i for batch in iter_save(corpora["hst"]) for i in batch.ids)
    only, drop = ids[::3], ids[::7]
    only_file = tmp_path / "only.txt"
    only_file.write_text("\n".join(only) + "\n")
    crds_args = ["--compare-source-bestrefs", "--print-new-references", "--types", "darkfile", "biasfile",
                 "flshfile", "--skip-types", "flshfile", "--only-ids", *only, "--drop-ids", *drop]
    our_args = ["--compare-source-bestrefs", "--print-new-references", "--types", "darkfile biasfile flshfile",
                "--skip-types", "flshfile", "--only-ids", f"@{only_file}", "--drop-ids", " ".join(drop)]
    crds_lines, our_lines = _compare(corpora, capsys, "hst", "hst_0729.pmap", crds_args, our_args)
    assert our_lines == crds_lines


def test_bad_rules_reported_once_per_instrument(corpora, capsys):
    """jwst_0040.pmap holds rmaps the server marks bad: one tracked error per instrument, as crds."""
    _compare(corpora, capsys, "jwst", "jwst_0040.pmap", [])


def _load_save(path) -> dict:
    from crds_batch.store.saves import iter_save

    return {i: h for batch in iter_save(str(path)) for i, h in zip(batch.ids, batch.headers)}


def test_update_pickle_save_equals_crds(corpora, capsys, tmp_path):
    """--update-pickle --save-pickle writes crds's regression capture: parameters plus new results."""
    save = corpora["hst"]
    crds_save, our_save = tmp_path / "crds.json", tmp_path / "ours.json"
    crds_run(["--hst", "--load-pickles", save, "--new-context", "hst_0729.pmap", "--update-pickle",
              "--save-pickle", str(crds_save)])
    _, code = ours(capsys, ["--new-context", "hst_0729.pmap", "--params", save, "--update-pickle",
                            "--save-pickle", str(our_save)])
    expected = _load_save(crds_save)
    assert _load_save(our_save) == expected
    assert any("DARKFILE" in header for header in expected.values())
    assert code == 1
