"""HST header hooks: rmap-named functions that rewrite the dataset header.

An rmap's ``hooks`` header names them (``{'precondition_header':
'precondition_header_acs_biasfile_v2', ...}``); without it crds looks for
``<hook>_<instrument>_<filekind>_v1``.  A name that the instrument does not
define means "no hook" (identity precondition, no fallback), as in crds.
The registry below is the one source of which names exist per instrument.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Optional

from .conditioning import condition_value
from .dates import reformat_date

Header = dict[str, str]


@dataclass(frozen=True)
class Hook:
    """A named header hook.

    ``date_feature`` says what the hook reads of ``DATE-OBS + " " + TIME-OBS``:
    None if it reads no date, else a function of that string whose value fully
    determines the hook's behaviour (so the engine can group rows by it instead
    of by date).  No hook writes the date keywords.
    """

    name: str
    apply: Callable[[Header], Optional[Header]]
    date_feature: Optional[Callable[[str], Hashable]] = None
    #: When set, ``date_feature`` of a date that normalizes is decided by ``normalized < t`` for each
    #: threshold ``t`` alone (lets the engine compute it with array comparisons).
    date_thresholds: Optional[tuple[str, ...]] = None
    #: Every header key the hook reads or writes: the engine gives it those (as the dataset has them) and
    #: groups rows by their values; keys outside it only matter to the hook's rmap by their Match classes.
    reads: frozenset[str] = frozenset()

    def __call__(self, header: Header) -> Optional[Header]:
        return self.apply(header)

_SM4 = "2009-05-14 00:00:00"              # servicing mission 4: ACS configuration change
_PRE_SM4_SUBARRAY = "2002-03-30 00:00:00"  # subarray biases exist in the rmap after this
_HALF_CHIP_COLUMNS = 2048


def _acs_bias_precondition(header_in: Header, cols: str, rows: str, only_when_required: bool) -> Header:
    header = dict(header_in)
    exptime = reformat_date(header["DATE-OBS"] + " " + header["TIME-OBS"])
    if only_when_required and not _acs_v3_required(header, exptime):
        return header
    if exptime < _SM4:
        header["APERTURE"] = "N/A"
    try:
        ncols = int(float(header[cols]))
    except ValueError:
        pass
    else:
        header[cols] = condition_value(str(ncols))
        if exptime < _SM4 and ncols > _HALF_CHIP_COLUMNS:
            if header["CCDAMP"] in ("A", "D"):
                header["CCDAMP"] = "AD"
            elif header["CCDAMP"] in ("B", "C"):
                header["CCDAMP"] = "BC"
    if header["DETECTOR"] == "WFC" and header["XCORNER"] == "0.0" and header["YCORNER"] == "0.0":
        try:
            nrows = int(float(header[rows])) / 2  # true division, as crds (gives e.g. '1034.0')
        except ValueError:
            pass
        else:
            header[rows] = condition_value(str(nrows))
    return header


def _acs_v3_required(header: Header, exptime: str) -> bool:
    return (
        header["DETECTOR"] != "WFC"
        or exptime < _PRE_SM4_SUBARRAY
        or "APERTURE" not in header
        or header["APERTURE"] == "UNDEFINED"
        or float(header["CCDGAIN"]) in (4.0, 8.0)
        or header["CCDAMP"] in ("AD", "BC")
    )


def _acs_bias_fallback(header: Header, ltv: str) -> Header:
    if header["DETECTOR"] == "WFC":
        header.update({"NAXIS1": "4144.0", "NAXIS2": "2068.0", ltv + "1": "24.0", ltv + "2": "0.0"})
    else:
        header.update({"NAXIS1": "1062.0", "NAXIS2": "1044.0", ltv + "1": "19.0"})
        header[ltv + "2"] = "0.0" if header["CCDAMP"] in ("C", "D") else "20.0"
    return header


def _wfc3_bias_precondition(header_in: Header) -> Header:
    header = dict(header_in)
    if header["SUBARRAY"] == "T" and "SUB" not in header["APERTURE"]:
        header["APERTURE"] = "N/A"
    return header


def _wfpc2_flat_fallback(header: Header) -> Header:
    # crds swaps in the header it was given (a copy of the minimized header).
    header["FILTER1"], header["FILTER2"] = header["FILTER2"], header["FILTER1"]
    return header


def _acs_date_feature(date: str) -> Hashable:
    """All the ACS bias hooks learn from the date: SM4 / subarray-era comparisons, or the parse error."""
    try:
        exptime = reformat_date(date)
    except Exception as exc:
        return ("error", type(exc).__name__, str(exc))
    return ("ok", exptime < _SM4, exptime < _PRE_SM4_SUBARRAY)


_ACS_THRESHOLDS = (_SM4, _PRE_SM4_SUBARRAY)
#: What the ACS bias hooks read (precondition and required-check) or write (fallback).
_ACS_BIAS_KEYS = frozenset({"DATE-OBS", "TIME-OBS", "NAXIS1", "NAXIS2", "NUMCOLS", "NUMROWS", "CCDAMP", "DETECTOR",
                            "XCORNER", "YCORNER", "APERTURE", "CCDGAIN", "LTV1", "LTV2", "RAW_LTV1", "RAW_LTV2"})
#: The ACS bias hooks' date feature, thresholds and keys.
_ACS_BIAS = (_acs_date_feature, _ACS_THRESHOLDS, _ACS_BIAS_KEYS)


def _hooks(*hooks: Hook) -> dict[str, Hook]:
    return {hook.name: hook for hook in hooks}


#: (observatory, instrument) -> hook name -> hook.  The fallback returns None for "no fallback".
HOOKS: dict[tuple[str, str], dict[str, Hook]] = {
    ("hst", "acs"): _hooks(
        Hook("precondition_header_acs_biasfile_v1",
             lambda h: _acs_bias_precondition(h, "NUMCOLS", "NUMROWS", False), *_ACS_BIAS),
        Hook("precondition_header_acs_biasfile_v2",
             lambda h: _acs_bias_precondition(h, "NAXIS1", "NAXIS2", False), *_ACS_BIAS),
        Hook("fallback_header_acs_biasfile_v2", lambda h: _acs_bias_fallback(
            _acs_bias_precondition(h, "NAXIS1", "NAXIS2", False), "LTV"), *_ACS_BIAS),
        Hook("precondition_header_acs_biasfile_v3",
             lambda h: _acs_bias_precondition(h, "NAXIS1", "NAXIS2", True), *_ACS_BIAS),
        Hook("fallback_header_acs_biasfile_v3", lambda h: _acs_bias_fallback(
            _acs_bias_precondition(h, "NAXIS1", "NAXIS2", True), "RAW_LTV"), *_ACS_BIAS),
    ),
    ("hst", "wfc3"): _hooks(Hook("precondition_header_wfc3_biasfile_v1", _wfc3_bias_precondition,
                                 reads=frozenset({"SUBARRAY", "APERTURE"}))),
    ("hst", "wfpc2"): _hooks(Hook("fallback_header_wfpc2_flatfile_v1", _wfpc2_flat_fallback,
                                  reads=frozenset({"FILTER1", "FILTER2"}))),
}


def find_hook(observatory: str, instrument: str, filekind: str, hook: str, named: dict | None) -> Hook | None:
    """The function for ``hook`` (``precondition_header``/``fallback_header``) of an rmap, or None."""
    name = named.get(hook, hook) if named else f"{hook}_{instrument}_{filekind}_v1"
    return HOOKS.get((observatory.lower(), instrument.lower()), {}).get(name)


def dnr_check(observatory: str, header: Header) -> bool:
    """HST "do not reprocess": a failed lookup for these WFC gains means N/A."""
    if observatory != "hst":
        return False
    try:
        return header["DETECTOR"] == "WFC" and float(header["CCDGAIN"]) in (0.5, 1.4)
    except Exception:
        return False
