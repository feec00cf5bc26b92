from __future__ import annotations

import pytest

from crds_batch.errors import ChecksumError, MappingFormatError
from crds_batch.rules.parsing import SelectorCall, check_checksum, mapping_checksum, parse_mapping

GOOD = """header = {
    'name' : 'x.rmap',
    'parkey' : (('DETECTOR',), ('DATE-OBS', 'TIME-OBS')),
    'sha1sum' : '%s',
}

selector = Match({
    ('WFC',) : UseAfter({
        '2002-03-01 00:00:00' : 'a.fits',
    }),
    ('HRC',) : 'N/A',
})
"""


def _good_text():
    return GOOD % mapping_checksum(GOOD % "")


def test_parses_nested_selectors_and_verifies_checksum():
    parsed = parse_mapping(_good_text(), "x.rmap")
    check_checksum(parsed)
    assert parsed.header["parkey"] == (("DETECTOR",), ("DATE-OBS", "TIME-OBS"))
    assert isinstance(parsed.selector, SelectorCall) and parsed.selector.name == "Match"
    use_after = parsed.selector.table[0][1]
    assert use_after.name == "UseAfter" and use_after.table == (("2002-03-01 00:00:00", "a.fits"),)
    assert parsed.selector.table[1] == (("HRC",), "N/A")


def test_checksum_mismatch_is_one_line():
    text = _good_text().replace("a.fits", "b.fits")
    with pytest.raises(ChecksumError, match=r"^x.rmap: sha1sum mismatch"):
        check_checksum(parse_mapping(text, "x.rmap"))


@pytest.mark.parametrize(
    "code",
    [
        "header = {}\nselector = __import__('os').system('touch /tmp/crds_batch_pwned')\n",
        "header = {}\nselector = Match({('A',): (lambda: 1)})\n",
        "header = {'a': os.path}\nselector = {}\n",
        "import os\nheader = {}\nselector = {}\n",
        "header = {}\nselector = eval('1')\n",
        "header = {}\nselector = {}\nother = 1\n",
        "header = {}\nselector = Match({('A',): open('/etc/passwd').read()})\n",
    ],
)
def test_code_in_a_mapping_is_refused_and_never_runs(code, tmp_path):
    with pytest.raises(MappingFormatError):
        parse_mapping(code, "evil.rmap")


def test_syntax_error_names_file_and_line():
    with pytest.raises(MappingFormatError, match=r"^bad.rmap: syntax error at line 2"):
        parse_mapping("header = {}\nselector = {'a' 'b': }\n", "bad.rmap")


def test_every_real_mapping_parses(cache_dir):
    names = sorted((cache_dir / "mappings" / "hst").glob("hst_acs_*.rmap"))[:200]
    assert names
    for path in names:
        parse_mapping(path.read_text(), path.name)
