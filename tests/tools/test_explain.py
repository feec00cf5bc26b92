"""``crds-batch explain`` on hand-made rules (every selector kind and every N/A / OMIT source) and on
real datasets: the answer explained is the engine's and crds's, and the steps name the decisions."""
from __future__ import annotations

import pytest

from crds_batch.cli.main import main
from crds_batch.engine.evaluate import evaluate_records
from crds_batch.rules.loading import load_context
from crds_batch.tools.explain import changes, explain, reason, render
from tests.conftest import CACHE, TEST_DATA
from tests.rules.tiny_cache import make_cache, rmap, write_case

DATE = "(('DATE-OBS', 'TIME-OBS'),)"
RULES = {
    # Match with a don't-care (N/A) field, a glob, two tied keys merged, nested UseAfter
    "darkfile": rmap("(('DETECTOR', 'CCDAMP'), ('DATE-OBS', 'TIME-OBS'))", """Match({
    ('HRC', 'C') : UseAfter({'2002-01-01 00:00:00' : 'x_hrc_a_drk.fits', '2003-01-01 00:00:00' : 'x_hrc_b_drk.fits'}),
    ('HRC', 'A|C') : UseAfter({'2002-06-01 00:00:00' : 'x_hrc_c_drk.fits'}),
    ('HRC', 'N/A') : UseAfter({'1990-01-01 00:00:00' : 'x_hrc_any_drk.fits'}),
    ('WFC', 'N/A') : UseAfter({'1990-01-01 00:00:00' : 'x_wfc_drk.fits'}),
})"""),
    # ClosestTime nested in a Match
    "ccdtab": rmap("(('DETECTOR',), ('DATE-OBS', 'TIME-OBS'))", """Match({
    ('HRC',) : ClosestTime({'2002-01-01 00:00:00' : 'x_early_ccd.fits', '2002-05-01 00:00:00' : 'x_late_ccd.fits'}),
})"""),
    "idctab": rmap("(('CCDGAIN',),)", """GeometricallyNearest({
    1.0 : 'x_one_idc.fits', 4.0 : 'x_four_idc.fits',
})"""),
    "oscntab": rmap("(('CCDGAIN',),)", """Bracket({
    1.0 : 'x_lo_osc.fits', 4.0 : 'x_hi_osc.fits',
})"""),
    "mdriztab": rmap("(('CCDGAIN',),)", """SelectVersion({
    '<1.5' : 'x_old_mdz.fits', '<3' : 'x_mid_mdz.fits', 'default' : 'x_new_mdz.fits',
})"""),
    "atodtab": rmap("(('CCDGAIN',),)", """VersionAfter({
    '1.0' : 'x_v1_a2d.fits', '2.0.0' : 'x_v2_a2d.fits', '3' : 'x_v3_a2d.fits',
})"""),
    # rmap_relevance false -> N/A
    "bpixtab": rmap("(('DETECTOR',),)", "Match({('HRC',) : 'x_bpx.fits'})",
                    "    'rmap_relevance' : '(DETECTOR == \"WFC\")',\n"),
    # rmap_omit true -> OMIT
    "flshfile": rmap("(('DETECTOR',),)", "Match({('HRC',) : 'x_fls.fits'})",
                     "    'rmap_omit' : '(DETECTOR == \"HRC\")',\n"),
    # parkey_relevance false -> the parameter is N/A for matching
    "pfltfile": rmap("(('DETECTOR', 'FILTER1'),)", """Match({
    ('HRC', 'F814W') : 'x_f814w_pfl.fits',
})""", "    'parkey_relevance' : {'filter1' : '(DETECTOR == \"WFC\")'},\n"),
    # a Match whose choice is N/A in the rules
    "crrejtab": rmap("(('DETECTOR',),)", "Match({('HRC',) : 'N/A'})"),
    # no key matches -> NOT FOUND (a regex key: the value is not validated first)
    "dgeofile": rmap("(('DETECTOR',),)", "Match({('(WFC.*)',) : 'x_dxy.fits'})"),
    # a value no key spells -> NOT FOUND from validation
    "d2imfile": rmap("(('DETECTOR',),)", "Match({('WFC',) : 'x_d2i.fits'})"),
}
IMAP_EXTRA = {"spottab": "N/A", "snkcfile": "OMIT"}
HEADER = {"INSTRUME": "ACS", "DETECTOR": "HRC", "CCDAMP": "C", "CCDGAIN": "2.0", "FILTER1": "F555W",
          "DATE-OBS": "2002-07-01", "TIME-OBS": "00:00:00"}


@pytest.fixture(scope="module")
def hand_made_cache(tmp_path_factory):
    root = make_cache(tmp_path_factory.mktemp("explain") / "cache", CACHE)
    first = write_case(root, "xplone", RULES, IMAP_EXTRA)
    changed = dict(RULES, darkfile=RULES["darkfile"].replace("'2003-01-01 00:00:00' : 'x_hrc_b_drk.fits'",
                                                            "'2002-06-15 00:00:00' : 'x_hrc_new_drk.fits'"))
    second = write_case(root, "xpltwo", changed, IMAP_EXTRA)
    return root, first, second


@pytest.fixture
def hand_made(hand_made_cache, monkeypatch):
    """(pmap, second pmap where darkfile changed) in a tiny cache on CRDS_PATH."""
    root, first, second = hand_made_cache
    monkeypatch.setenv("CRDS_PATH", str(root))
    return first, second


def _steps(explanation, filekind, kind):
    return [step for step in explanation.by_type()[filekind].steps if step.kind == kind]


def test_every_selector_kind_and_special_value_explained(hand_made):
    pmap, _ = hand_made
    got = explain(load_context(pmap), HEADER)
    results = {item.filekind: item.result for item in got.types}
    assert results == {
        "darkfile": "x_hrc_c_drk.fits",  # two keys tie at weight -2; merged dates: 2002-06-01 is the latest <= July
        "ccdtab": "x_late_ccd.fits", "idctab": "x_one_idc.fits", "oscntab": ("x_lo_osc.fits", "x_hi_osc.fits"),
        "mdriztab": "x_mid_mdz.fits", "atodtab": "x_v2_a2d.fits", "bpixtab": "NOT FOUND n/a", "flshfile": "OMIT",
        "pfltfile": "x_f814w_pfl.fits", "crrejtab": "NOT FOUND n/a",
        "dgeofile": "NOT FOUND No match found.",
        "d2imfile": "NOT FOUND  parameter='DETECTOR' value='HRC' is not in ['WFC']", "spottab": "NOT FOUND n/a", "snkcfile": "OMIT"}

    match = _steps(got, "darkfile", "match")[0].facts
    assert [weight for _, weight in match["survivors"]] == [-2, -2, -1]  # the ('HRC', 'N/A') key only half matches
    won = _steps(got, "darkfile", "candidate")[0].facts
    assert won["weight"] == -2 and won["merged"] and {k["key"] for k in won["keys"]} == {("HRC", "C"), ("HRC", "A|C")}
    date = _steps(got, "darkfile", "candidate")[1]
    assert date.depth == 2 and date.facts["key"] == "2002-06-01 00:00:00" and date.facts["next"] == "2003-01-01 00:00:00"
    assert _steps(got, "ccdtab", "candidate")[1].facts["key"] == "2002-05-01 00:00:00"
    assert _steps(got, "idctab", "candidate")[0].facts["distance"] == 1.0
    assert _steps(got, "oscntab", "candidate")[0].facts["key"] == (1.0, 4.0)
    assert _steps(got, "mdriztab", "candidate")[0].facts["key"] == "<3"
    assert _steps(got, "atodtab", "candidate")[0].facts["key"] == (2, 0, 0)
    assert _steps(got, "atodtab", "candidate")[0].facts["next"] == (3, 0, 0)
    assert _steps(got, "bpixtab", "rmap_relevance")[0].facts == {"expression": '(DETECTOR == "WFC")', "value": False}
    assert _steps(got, "flshfile", "rmap_omit")[0].facts["value"] is True
    assert _steps(got, "pfltfile", "parkey_relevance")[0].facts["parameter"] == "FILTER1"
    assert _steps(got, "pfltfile", "selector")[0].facts["values"]["FILTER1"] == "N/A"
    assert _steps(got, "spottab", "imap")[0].facts["entry"] == "N/A"
    assert _steps(got, "dgeofile", "lookup_failed")[0].facts["error"] == "No match found."
    text = "\n".join(render(got))
    assert "won with weight -2 (2 exact field(s), merged from 2 tied keys)" in text
    assert "rmap_omit '(DETECTOR == \"HRC\")' -> True: OMIT" in text
    assert "FILTER1 = N/A (parkey_relevance" in text


@pytest.mark.parametrize("header", [
    HEADER,
    dict(HEADER, DETECTOR="WFC", CCDGAIN="4.5", **{"DATE-OBS": "2001-01-01"}),
    dict(HEADER, CCDAMP="B", CCDGAIN="1.2", **{"DATE-OBS": "2004-02-01"}),
    dict(HEADER, CCDGAIN="0.5", **{"DATE-OBS": "2002-03-01"}),
])
@pytest.mark.oracle
def test_hand_made_answers_are_the_engines_and_crds(hand_made, header):
    pmap, _ = hand_made
    _assert_engine_and_crds_agree(pmap, header)


def _assert_engine_and_crds_agree(context, parameters):
    """explain's answers == the columnar engine's == crds's (fast mode: a Bracket's tuple fails crds's
    bad-file check, which getrecommendations runs)."""
    from tests.oracle_compare import oracle

    got = {item.filekind: item.result for item in explain(load_context(context), parameters).types
           if item.result != "OMIT"}
    assert got == evaluate_records(load_context(context), [parameters])[0]
    expected, error = oracle(parameters, context, "hst", fast=True)
    assert error is None and got == expected


def test_change_names_the_first_differing_decision(hand_made):
    first, second = hand_made
    old, new = explain(load_context(first), HEADER), explain(load_context(second), HEADER)
    found = changes(old, new)
    assert [change.filekind for change in found] == ["darkfile"]
    change = found[0]
    assert (change.old.result, change.new.result) == ("x_hrc_c_drk.fits", "x_hrc_new_drk.fits")
    assert change.old_step.facts["key"] == "2002-06-01 00:00:00" and change.new_step.facts["key"] == "2002-06-15 00:00:00"
    assert reason(change.old_step, change.new_step) == (
        "another selection won: 2002-06-01 00:00:00 -> 2002-06-15 00:00:00")


@pytest.mark.oracle
@pytest.mark.parametrize("raw", ["j8bt05njq_raw.fits", "j8bt06o6q_raw.fits", "j8bt09jcq_raw.fits"])
def test_real_datasets_answers_are_the_engines_and_crds(raw):
    from crds_batch.files.headers import read_parameters
    from tests.oracle import crds_bestrefs

    path = TEST_DATA / "hst" / raw
    if not path.exists():
        pytest.skip(f"{raw} is not in crds-test-data")
    parameters = read_parameters(str(path)).parameters
    _assert_engine_and_crds_agree("hst_0729.pmap", parameters)
    assert {item.filekind: item.result for item in explain(load_context("hst_0729.pmap"), parameters).types
            if item.result != "OMIT"} == crds_bestrefs({"x": parameters}, "hst_0729.pmap", "hst")["x"]


def test_cli_header_and_old_context(capsys):
    raw = str(TEST_DATA / "hst" / "j8bt05njq_raw.fits")
    assert main(["explain", "--context", "hst_0729.pmap", "--old-context", "hst_0300.pmap", "--header", raw,
                 "--types", "imphttab biasfile"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "imphttab = 2391649pj_imp.fits" in out and "biasfile = m4r1753rj_bia.fits" in out
    assert "changes hst_0300.pmap -> hst_0729.pmap: 1 type(s)" in out
    assert "imphttab: w3m1716tj_imp.fits -> 2391649pj_imp.fits" in out
    assert "  rules: hst_acs_imphttab_0250.rmap -> hst_acs_imphttab_0252.rmap" in out


@pytest.mark.oracle
def test_cli_dataset_from_store_matches_crds(tmp_path, capsys):
    import json

    from crds_batch.store import ingest
    from tests.oracle import crds_bestrefs

    save = TEST_DATA / "hst" / "test_cos.json"
    ingest([str(save)], str(tmp_path / "store"))
    assert main(["explain", "--context", "hst_0729.pmap", "--dataset", "lce31sw6q",  # bare id X means X:X
                 "--params", str(tmp_path / "store")]) == 0
    answers = dict(line.split(" = ", 1) for line in capsys.readouterr().out.splitlines()
                   if " = " in line and not line.startswith(" "))
    expected = crds_bestrefs(json.loads(save.read_text()), "hst_0729.pmap", "hst")["LCE31SW6Q:LCE31SW6Q"]
    assert {k: v for k, v in answers.items() if v != "OMIT"} == expected


def test_cli_usage_and_unknown_dataset(tmp_path, capsys):
    assert main(["explain", "--context", "hst_0729.pmap"]) == 2
    from crds_batch.store import ingest

    ingest([str(TEST_DATA / "hst" / "j8bt05njq_raw.fits")], str(tmp_path / "store"))
    assert main(["explain", "--context", "hst_0729.pmap", "--dataset", "NOPE", "--params",
                 str(tmp_path / "store")]) == 3
    assert "NOPE:NOPE is not in the parameter store" in capsys.readouterr().err


@pytest.mark.parametrize("context, instruments", [("jwst_0541.pmap", ["miri", "nircam"]),
                                                  ("hst_0729.pmap", ["wfc3", "cos"])])
def test_generated_datasets_explained_answer_is_the_engines(context, instruments):
    from crds_batch.synth.generate import generate
    from crds_batch.synth.writer import frame_params

    rules = load_context(context)
    count = 0
    for frame in generate(context, 40, seed=3, instruments=instruments):
        for parameters in frame_params(frame).values():
            got = {item.filekind: item.result for item in explain(rules, parameters).types if item.result != "OMIT"}
            assert got == evaluate_records(rules, [parameters])[0]
            count += 1
    assert count == 40


def test_cli_json_holds_the_same_answers_and_changes(capsys):
    import json

    raw = str(TEST_DATA / "hst" / "j8bt05njq_raw.fits")
    assert main(["explain", "--context", "hst_0729.pmap", "--old-context", "hst_0300.pmap", "--header", raw,
                 "--types", "imphttab darkfile", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {item["type"]: item["result"] for item in document["types"]} == {
        "imphttab": "2391649pj_imp.fits", "darkfile": "n3o1059hj_drk.fits"}
    assert document["changes"] == [{"type": "imphttab", "old": "w3m1716tj_imp.fits", "new": "2391649pj_imp.fits",
                                    "why": "the same selection 2002-03-01 00:00:00 now gives another choice"}]
    kinds = [step["kind"] for step in document["types"][1]["steps"]]
    assert kinds[:3] == ["imap", "rmap_omit", "rmap_relevance"] and kinds[-1] == "result" and "match" in kinds
