"""Value conditioning, date normalization and expressions against the crds functions they mirror."""
from __future__ import annotations

import pytest

from crds_batch.errors import MappingError
from crds_batch.rules.conditioning import condition_value
from crds_batch.rules.dates import reformat_date
from crds_batch.rules.expressions import compile_expression

VALUES = ["2", "2.0", "1e3", ".5", "-1", "-2147483648.0", "()", "N/A", "NOT APPLICABLE", "NOT_APPLICABLE",
          "N/AXYZ", "any", "ANY", "4294967295", "t", "TRUE", "f", "False", "", " wfc ", "1.", "+3", 7, 2.5, True,
          False, "iref$x.fits", "2013-11-05 15:21:34", "1E-2", "0x10", "inf", "nan"]
DATES = ["2012-05-06 01:02:03", "2012/05/06", "05/06/2012", "05-06-2012", "06/05/95", "06/05/05",
         "20120506:010203", "2012-05-06T01:02", "2012-05-06T01:02:03.5", "May 6 2012", "Feb 08 2006 01:02AM",
         "Dec 01 1993 00:00:00 UT", "2012-05-06 12:00 PM", "2012-05-06 04:35", "2012-05-06 00:00:04.35",
         "2012-02-30", "2012-05-06 1:2:3:4:5", "junk", "UNDEFINED", "2012-05-06 aa:00", "Foo 6 2012",
         "6 May 2012", "May 6, 2012", "2012-05-06 12:00:00 AM"]


@pytest.mark.oracle
@pytest.mark.parametrize("value", VALUES)
def test_condition_value(value):
    from crds.core.utils import condition_value as crds_condition

    assert condition_value(value) == crds_condition(value)


def _outcome(function, value):
    try:
        return "ok", function(value)
    except Exception as exc:
        return "error", str(exc)


@pytest.mark.oracle
@pytest.mark.parametrize("date", DATES)
def test_dates(date):
    from crds.core.timestamp import reformat_date as crds_reformat

    assert _outcome(reformat_date, date) == _outcome(crds_reformat, date)


HEADER = {"DETECTOR": "WFC", "CCDAMP": "A", "META_INSTRUMENT_NAME": "MIRI", "N": "5"}
EXPRESSIONS = ['DETECTOR == "WFC"', 'DETECTOR != "WFC" and CCDAMP in ("A", "B")', 'not CCDAMP in ["A"]',
               'CCDAMP if DETECTOR == "HRC" else N', '"W" in DETECTOR', 'N < "6" < "7"', 'True', 'false',
               'filter == "x"', 'DETECTOR or CCDAMP', '-1 < 0', 'META_INSTRUMENT_NAME == "MIRI"', 'UNKNOWN == 1']


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_expressions_equal_python_eval(source):
    expected = _outcome(lambda s: eval(s, {}, dict(HEADER)), source)  # the reference semantics, on trusted text
    assert _outcome(compile_expression(source).evaluate, HEADER) == expected


@pytest.mark.parametrize("source", ['__import__("os").system("true")', "DETECTOR.lower()", "(lambda: 1)()",
                                    "DETECTOR[0]", "{x for x in DETECTOR}", "DETECTOR + 'x'", "a is None"])
def test_expressions_refuse_code(source):
    with pytest.raises(MappingError):
        compile_expression(source)
