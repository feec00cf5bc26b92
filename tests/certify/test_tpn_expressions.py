"""The .tpn expression dialect: crds's constraint expressions evaluate, anything that could run code is refused."""
from __future__ import annotations

import pytest

from crds_batch.certify.tpn_expressions import ArrayInfo, compile_tpn_expression, identifiers
from crds_batch.rules.errors import ExpressionError

TABLE = ArrayInfo((3,), "TABLE", {"W": ">i4", "DPDE_W": ">f4", "DESCRIP": "|S20"}, ("W", "DPDE_W", "DESCRIP"),
                  "QPROF", 1)
IMAGE = ArrayInfo((3, 4), "IMAGE", "float32", None, "RPROF", 3)


@pytest.mark.parametrize("source,names,expected", [
    ("(has_column_type(QPROF_ARRAY,'W','INT'))", {"QPROF_ARRAY": TABLE}, True),
    ("(has_column_type(QPROF_ARRAY,'DPDE_W','INT'))", {"QPROF_ARRAY": TABLE}, False),
    ("(has_column_type(QPROF_ARRAY,'DESCRIP','STRING'))", {"QPROF_ARRAY": TABLE}, True),
    ("(has_columns(QPROF_ARRAY,['W','QLEV_Q']))", {"QPROF_ARRAY": TABLE}, False),
    ("(is_image(RPROF_ARRAY))", {"RPROF_ARRAY": IMAGE}, True),
    ("(has_type(RPROF_ARRAY,'FLOAT'))", {"RPROF_ARRAY": IMAGE}, True),
    ("(RPROF_ARRAY.SHAPE[-1]==QPROF_ARRAY.SHAPE[-1])", {"RPROF_ARRAY": IMAGE, "QPROF_ARRAY": TABLE}, False),
    ("(len(RPROF_ARRAY.SHAPE)==2)", {"RPROF_ARRAY": IMAGE}, True),
    ("(optional(has_columns(PHOTBW_ARRAY,['PHOTBW1'])))", {"PHOTBW_ARRAY": "UNDEFINED"}, False),
    ("(optional(has_columns(QPROF_ARRAY,['W'])))", {"QPROF_ARRAY": TABLE}, "O"),
    ("((len(VALUE)>0)and(VALUE==VALUE.lower()))", {"VALUE": "acs_f555w"}, True),
    ("((len(VALUE)>0)and(VALUE==VALUE.lower()))", {"VALUE": "ACS_F555W"}, False),
    ("((VALUE=='MJD#')or(VALUE==''))", {"VALUE": ""}, True),
])
def test_constraint_expressions_evaluate(source, names, expected):
    assert compile_tpn_expression(source).evaluate(names) == expected


@pytest.mark.parametrize("source", [
    "VALUE.__class__",  # dunder attributes
    "().__class__.__bases__",
    "open('/etc/passwd')",  # builtins are not callable
    "__import__('os')",
    "VALUE.format(1)",  # methods not named by the dialect
    "(lambda: 1)()",
    "[x for x in VALUE]",
    "len(*VALUE)",
    "getattr(VALUE, 'lower')",
])
def test_anything_else_is_refused(source):
    with pytest.raises(ExpressionError):
        compile_tpn_expression(source)


def test_rmap_expressions_still_refuse_calls():
    from crds_batch.rules.expressions import compile_expression

    with pytest.raises(ExpressionError):
        compile_expression("len(DETECTOR)")


def test_identifiers_are_the_upper_case_names():
    assert identifiers("(RPROF_ARRAY.SHAPE[-1]==QPROF_ARRAY.SHAPE[-1])") == ["RPROF_ARRAY", "QPROF_ARRAY"]
    assert identifiers("((len(COMPNAME)>0)and(COMPNAME=='x'))") == ["COMPNAME", "COMPNAME"]


def test_a_constraint_outside_the_dialect_is_not_checked_rather_than_failed():
    from crds_batch.certify.complex_checks import check_complex
    from crds_batch.certify.log import CertifyLog
    from crds_batch.certify.value_checks import NotChecked
    from crds_batch.observatories.constraints import Constraint

    constraint = Constraint("SCI", "A", "X", "R", ("(ndim(SCI_ARRAY,2))",))  # a JWST helper we do not have
    with pytest.raises(NotChecked):
        check_complex(constraint, "x.fits", {"SCI_ARRAY": IMAGE}, [], None, CertifyLog())
