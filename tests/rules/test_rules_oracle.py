"""Every selection rule of crds-semantics.md against the crds oracle, on tiny hand-written rules."""
from __future__ import annotations

import pytest

from tests.conftest import CACHE
from tests.oracle_compare import check_all_paths, check_api

from .tiny_cache import make_cache, rmap, write_case

pytestmark = pytest.mark.oracle

UA = "UseAfter({\n        '2000-01-01 00:00:00' : '%s_a.fits',\n        '2010-01-01 00:00:00' : '%s_b.fits',\n    })"
DATES = "('DATE-OBS', 'TIME-OBS')"
BASE = {"INSTRUME": "ACS", "DATE-OBS": "2012-05-06", "TIME-OBS": "01:02:03"}


def match(parkeys: str, rows: dict[str, str]) -> str:
    body = "".join(f"    {key} : {value},\n" for key, value in rows.items())
    return "Match({\n%s})" % body


CASES: dict[str, tuple[dict, dict, list[dict]]] = {
    # rmap_omit 'True' is lower-cased to 'true' -> NameError -> NOT omitted (the quirk); '(True)' omits.
    "omitquirk": ({
        "darkfile": rmap(f"(('DETECTOR',), {DATES})", match("", {"('WFC',)": UA % ("d", "d")}),
                         "    'rmap_omit' : 'True',\n"),
        "biasfile": rmap(f"(('DETECTOR',), {DATES})", match("", {"('WFC',)": UA % ("b", "b")}),
                         "    'rmap_omit' : '(True)',\n"),
        "flatfile": rmap(f"(('DETECTOR',), {DATES})", match("", {"('WFC',)": UA % ("f", "f")}),
                         "    'rmap_relevance' : 'DETECTOR == \"HRC\"',\n"),
        "pfltfile": rmap(f"(('DETECTOR',), {DATES})", match("", {"('WFC',)": UA % ("p", "p")}),
                         "    'rmap_relevance' : '(DETECTOR == \"HRC\")',\n"),
    }, {}, [dict(BASE, DETECTOR="WFC"), dict(BASE, DETECTOR="HRC")]),
    # parkey_relevance maps irrelevant parameters to N/A; substitutions and SUBARRAY GENERIC.
    "relevance": ({
        "darkfile": rmap(f"(('DETECTOR', 'CCDAMP', 'SUBARRAY'), {DATES})", match("", {
            "('WFC', 'A', 'GENERIC')": UA % ("wa", "wa"), "('WFC', 'N/A', 'T')": UA % ("wn", "wn"),
            "('HRC', 'GENERIC', 'F')": UA % ("hg", "hg")}),
            "    'parkey_relevance' : {'ccdamp' : '(DETECTOR != \"WFC\")'},\n"
            "    'substitutions' : {'CCDAMP' : {'GENERIC' : 'N/A'}},\n"),
    }, {}, [dict(BASE, DETECTOR="WFC", CCDAMP="A", SUBARRAY="T"), dict(BASE, DETECTOR="WFC", CCDAMP="B", SUBARRAY="F"),
            dict(BASE, DETECTOR="HRC", CCDAMP="Q", SUBARRAY="F"), dict(BASE, DETECTOR="HRC", CCDAMP="A", SUBARRAY="T")]),
    # every field matcher kind and weights
    "matchers": ({
        "darkfile": rmap(f"(('DETECTOR', 'FILTER1', 'CCDGAIN'), {DATES})", match("", {
            "('(WF.*)', '{F1|F2}', '# >1 and <=4 #')": UA % ("re", "re"),
            "('NOT WFC', 'F5*|F6', 'BETWEEN 1 5')": UA % ("no", "no"),
            "('*', 'N/A', '>5')": UA % ("st", "st"),
            "('HRC|SBC', 'CLEAR', '<=2')": UA % ("gl", "gl"),
            "('WFC', 'ANY', 2)": UA % ("eq", "eq")}),
            "    'merge_overlaps' : 'TRUE',\n"),
    }, {}, [dict(BASE, DETECTOR=d, FILTER1=f, CCDGAIN=g) for d in ("WFC", "WFCX", "HRC", "SBC", "N/A", "*")
            for f in ("F1|F2", "F555W", "CLEAR", "F6", "N/A") for g in ("2", "4.0", "6", "0.5", "X")]),
    # ties: same-date collision picks the greater file; next weight group when dates are too early;
    # terminal ties make a tuple (crds then fails its bad-reference scan with TypeError)
    "ties": ({
        "darkfile": rmap(f"(('DETECTOR', 'CCDAMP'), {DATES})", match("", {
            "('WFC', '*')": "UseAfter({\n '2000-01-01 00:00:00' : 'a_1.fits',\n '2005-01-01 00:00:00' : 'z_1.fits'})",
            "('*', 'A')": "UseAfter({\n '2005-01-01 00:00:00' : 'b_1.fits',\n '2011-01-01 00:00:00' : 'c_1.fits'})",
            "('WFC', 'A')": "UseAfter({\n '2020-01-01 00:00:00' : 'late.fits'})",
            "('HRC', 'B')": "'t_1.fits'", "('HRC', '*')": "'t_2.fits'", "('*', 'B')": "'t_3.fits'"})),
    }, {}, [dict(BASE, DETECTOR="WFC", CCDAMP="A"), dict(BASE, DETECTOR="WFC", CCDAMP="B"),
            dict(BASE, DETECTOR="HRC", CCDAMP="B"), dict(BASE, DETECTOR="HRC", CCDAMP="C"),
            dict(BASE, DETECTOR="WFC", CCDAMP="A", **{"DATE-OBS": "1999-01-01"})]),
    # validation errors, reffile_required NO, N/A/TEMP_N/A/OMIT choices, imap N/A and OMIT, no overlap merging
    "special": ({
        "darkfile": rmap(f"(('DETECTOR',), {DATES})", match("", {
            "('WFC',)": "'N/A'", "('HRC',)": "'OMIT'", "('SBC',)": "'TEMP_N/A'",
            "('IR',)": "UseAfter({'2030-01-01 00:00:00' : 'x.fits'})"})),
        "biasfile": rmap(f"(('DETECTOR',), {DATES})", match("", {"('HRC',)": "'b.fits'"}),
                         "    'reffile_required' : 'NO',\n"),
        "flatfile": rmap(f"(('DETECTOR', 'CCDAMP'), {DATES})", match("", {
            "('WFC', '*')": "'f1.fits'", "('*', 'A')": "'f2.fits'"}), "    'merge_overlaps' : 'FALSE',\n"),
        "shadfile": rmap(f"(('DETECTOR',), {DATES})", match("", {"('HRC',)": "'s.fits'"}),
                         "    'reffile_required' : 'NO',\n"),
    }, {"crrejtab": "N/A", "mlintab": "OMIT"},
        [dict(BASE, DETECTOR=d, CCDAMP="A") for d in ("WFC", "HRC", "SBC", "IR", "UVIS")]),
    # UseAfter at the top; raw-string key order ('T' keys sort after space keys); date formats and errors
    "dates": ({
        "darkfile": rmap(f"({DATES},)", "UseAfter({\n '2013-09-26 05:00:00' : 'sp.fits',\n"
                         " '2013-09-26T03:00:00' : 'tt.fits',\n '2013-09-27 00:00:00' : 'nx.fits',\n})"),
    }, {}, [dict(INSTRUME="ACS", **{"DATE-OBS": d, "TIME-OBS": t}) for d, t in [
        ("2013-09-26", "04:00:00"), ("2013-09-26", "06:00:00"), ("2013-09-26", "02:00:00"), ("2012-01-01", "00:00"),
        ("09/26/2013", "12:00:00 PM"), ("26/09/13", "1:2:3"), ("20130926:120000", "UNDEFINED"),
        ("Sep 26 2013", "10:00:00"), ("2013-09-26T12:00:00", "x"), ("2013/09/27", "04:35.5"), ("UNDEFINED", "1"),
        ("2013-02-30", "00:00:00"), ("26-09-2013", "00:00:00 UT"), ("2013-09-26", "04:00:04.35")]]),
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = make_cache(tmp_path_factory.mktemp("crds"), CACHE)
    return root


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_parity(case, tiny, monkeypatch):
    rmaps, imap_extra, headers = CASES[case]
    pmap = write_case(tiny, "r" + case, rmaps, imap_extra)
    monkeypatch.setenv("CRDS_PATH", str(tiny))
    for header in headers:
        check_api(header, pmap, "hst")
        check_all_paths(header, pmap, "hst")
