"""Each HST hook declares every header key it reads or writes (``Hook.reads``): the engine keys a hooked
rmap's plans on those keys plus what its Match, expressions and DNR rule read, and gives the hook a header
of only those, so a hook must behave the same on its declared keys alone as on a whole header."""
from __future__ import annotations

import itertools

import pytest

from crds_batch.engine.compile import DATE_FEATURE, compile_rmap
from crds_batch.rules.hooks import HOOKS
from crds_batch.rules.loading import load_context

#: Values that drive every branch of the hooks: both ACS eras, both detectors, the amp merges, subarrays.
_VARIANTS = {
    "DATE-OBS": ["2001-01-01", "2004-06-01", "2012-01-01"],
    "DETECTOR": ["WFC", "HRC"],
    "CCDAMP": ["A", "B", "ABCD"],
    "CCDGAIN": ["1.0", "4.0"],
    "NAXIS1": ["4144.0", "1062.0", "bad"],
    "XCORNER": ["0.0", "1.0"],
    "APERTURE": ["WFC1", "UNDEFINED", "WFC1-SUB"],
    "SUBARRAY": ["T", "F"],
    "FILTER1": ["F1", "CLEAR1"],
}
#: Every other key any hook might look at, and some no hook reads.
_BASE = {"TIME-OBS": "00:00:00", "NAXIS2": "2068.0", "NUMCOLS": "4144.0", "NUMROWS": "2068.0", "YCORNER": "0.0",
         "FILTER2": "F2", "LTV1": "24.0", "LTV2": "0.0", "RAW_LTV1": "24.0", "RAW_LTV2": "0.0",
         "CCDCHIP": "1", "BIASCORR": "PERFORM", "OBSTYPE": "IMAGING", "INSTRUME": "ACS"}


def _headers():
    names = list(_VARIANTS)
    for values in itertools.product(*(_VARIANTS[name] for name in names)):
        yield dict(_BASE, **dict(zip(names, values)))


def _outcome(hook, header):
    try:
        return "ok", hook(dict(header))
    except Exception as exc:  # which exception, and its message, are part of the behaviour
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("instrument, name", [(instrument, name) for (_obs, instrument), hooks in HOOKS.items()
                                              for name in hooks])
def test_hooks_behave_alike_on_their_declared_keys_alone(instrument, name):
    hook = HOOKS[("hst", instrument)][name]
    assert hook.reads, f"{name} declares no keys"
    changed_any = False
    for header in _headers():
        whole = _outcome(hook, header)
        alone = _outcome(hook, {key: value for key, value in header.items() if key in hook.reads})
        if whole[0] == "ok" and whole[1] is not None:
            written = {key for key, value in whole[1].items() if header.get(key) != value}
            changed_any |= bool(written)
            assert written <= hook.reads, f"{name} writes {sorted(written - hook.reads)} without declaring them"
            result = {key: value for key, value in whole[1].items() if key in hook.reads}
            assert alone == ("ok", result), f"{name} on its declared keys alone differs for {header}"
        else:
            assert alone == whole, f"{name} on its declared keys alone differs for {header}"
    assert changed_any, f"no variant made {name} change anything: the variants no longer exercise it"


def test_acs_bias_programs_do_not_key_on_other_hooks_keys():
    # FILTER1/FILTER2 are read by WFPC2's flat fallback only: ACS bias plans are not split by them.
    context = load_context("hst_0729.pmap")
    imap = context.get_imap("acs")
    rmap = imap.child("biasfile")
    program = compile_rmap(rmap, imap.required_parkeys() + [context.instrument_key])
    assert rmap.precondition is not None
    assert DATE_FEATURE in program.key_columns
    assert not ({"FILTER1", "FILTER2"} & set(program.key_columns)) - set(rmap.selector.parameters)
    assert {"NAXIS1", "CCDAMP", "APERTURE", "XCORNER"} <= set(program.key_columns)
