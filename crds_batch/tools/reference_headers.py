"""A reference as ``crds list --cat`` prints it. FITS: its header, ``fits.info`` and each extension's array;
ASDF: its tree flattened to a header (see :func:`asdf_header`).

The header is crds's unconditioned header of a FITS file: every card of every
HDU in order, keys upper-cased, values as text; a key seen again keeps its
first value, except COMMENT and HISTORY, whose values are joined by newlines.
``FILE_FORMAT`` is ``'FITS'``. It prints with :func:`pprint.pformat`, as crds does.
A header naming a JWST instrument also has each keyword under its synonyms
(FITS keyword <-> data-model path, as crds cross-straps it:
:func:`crds_batch.observatories.reference_keywords.cross_strap_named`).
"""
from __future__ import annotations

import contextlib
import io
import pprint
import re
from collections.abc import Sequence

from ..observatories.reference_keywords import cross_strap_named

#: Keys whose repeats are expected (crds's DUPLICATES_OK) and those whose repeats are joined (APPEND_KEYS).
DUPLICATES_OK = ("COMMENT", "HISTORY", "NAXIS", "EXTNAME", "EXTVER")
APPEND_KEYS = ("COMMENT", "HISTORY")
BANNER_WIDTH = 80


class Banner(str):
    """A banner line: printed as is, never prefixed with the file name (crds prints banners apart)."""


def fits_header(path: str) -> dict[str, str]:
    from astropy.io import fits

    header: dict[str, str] = {}
    with fits.open(path) as hdus, _quiet():
        for hdu in hdus:
            for card in hdu.header.cards:
                card.verify("fix")
                key, value = card.keyword, str(card.value)
                if not key:
                    continue
                key = key.upper()
                if key in header and header[key] != value:
                    if key in APPEND_KEYS:
                        header[key] += "\n" + value
                    continue
                header[key] = value
    header = cross_strap_named(header)
    header["FILE_FORMAT"] = "FITS"
    return header


def header_lines(header: dict[str, str], keywords: Sequence[str] = ()) -> list[str]:
    """A reference header as crds prints it; with ``keywords`` (``--keywords``) only the keys containing one."""
    if keywords:
        header = {key: value for key, value in header.items() if any(part in key for part in keywords)}
    return pprint.pformat(header).splitlines()


def fits_cat_lines(path: str, keywords: Sequence[str] = (), arrays: bool = True) -> list[str]:
    """The body crds prints under the ``File:`` banner of a FITS reference (its own banners as :class:`Banner`).

    ``arrays=False`` (``--no-arrays``) leaves out the array properties, as crds."""
    from astropy.io import fits

    lines = header_lines(fits_header(path), keywords)
    info = io.StringIO()
    fits.info(path, output=info)
    lines += [Banner("-" * BANNER_WIDTH), Banner("Fits Info:")] + [line.rstrip() for line in info.getvalue().splitlines()]
    if not arrays:
        return lines
    with fits.open(path) as hdus:
        for index, hdu in enumerate(hdus):
            if index == 0:
                continue
            extname = hdu.header.get("EXTNAME", str(index))
            lines += [Banner("-" * BANNER_WIDTH), Banner(f"CRDS Array Info [{extname!r}]:")]
            try:
                properties = _array_properties(hdus, extname)
            except Exception:  # noqa: BLE001 - crds warns and goes on (an HDU without data): banner only
                continue
            lines += pprint.pformat({k: v for k, v in properties.items() if v is not None}).splitlines()
    return lines


def _array_properties(hdus, extname: str) -> dict:
    name, number = _hdu_index(hdus, str(extname))
    hdu = hdus[number]
    kind = {"IMAGEHDU": "IMAGE", "BINTABLEHDU": "TABLE"}.get(type(hdu).__name__.upper(), "UNKNOWN")
    if kind in ("IMAGE", "UNKNOWN"):
        typespec = hdu.data.dtype.name
        columns = None
    else:
        dtype = hdu.data.dtype
        typespec = {field.upper(): str(dtype.fields[field][0]) for field in dtype.names}
        columns = [field.upper() for field in dtype.names]
    return {"SHAPE": hdu.data.shape, "KIND": kind, "DATA_TYPE": typespec, "COLUMN_NAMES": columns,
            "NAME": name, "EXTENSION": number}


def _hdu_index(hdus, array_name: str) -> tuple:
    """crds's array-name notation: ``EXT5``/``EXTENSION5``/``5`` -> number 5, ``NAME__2`` -> version 2, ``NAME``."""
    numbered = re.match(r"(EXT(ENSION)?)?(\d+)", array_name)
    if numbered:
        return numbered.group(3), int(numbered.group(3))
    versioned = re.match(r"(.*)__(\d+)", array_name)
    for index, hdu in enumerate(hdus):
        if versioned and hdu.name == versioned.group(1) and hdu.ver == int(versioned.group(2)):
            return (versioned.group(1), int(versioned.group(2))), index
        if not versioned and hdu.name == array_name:
            return array_name, index
    raise ValueError(f"Can't find HDU: {array_name}")


@contextlib.contextmanager
def _quiet():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# -- ASDF ------------------------------------------------------------------------------------------

def asdf_header(path: str) -> dict[str, str]:
    """crds's unconditioned header of an ASDF file: the tree flattened to ``A.B.C`` keys, values as text,
    values of other types named (``SUPRESSED_NONSTD_TYPE: 'NDArrayType'``), HISTORY from the history entries."""
    import warnings

    import asdf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with asdf.open(path, lazy_load=True) as handle:
            flat = _simple_types(handle.tree)
            flat["HISTORY"] = _asdf_history(handle)
    header = cross_strap_named({str(key).upper(): str(value) for key, value in flat.items()})
    header["FILE_FORMAT"] = "ASDF"
    return header


def _simple_types(tree) -> dict:
    """crds's ``to_simple_types``: string keys of ``tree`` (a list's string items index it, which fails as in
    crds), nested mappings joined as ``A.B``, values simplified."""
    from collections.abc import Mapping

    result = {}
    for key in tree:
        if not isinstance(key, str):
            continue
        value = tree[key]
        if isinstance(value, Mapping):
            for nested_key, nested_value in _simple_types(value).items():
                result[key.upper() + "." + nested_key] = nested_value
        else:
            result[key.upper()] = _simple_value(value)
    return result


def _simple_value(value):
    import datetime

    if isinstance(value, (str, int, float, complex)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return tuple(_simple_value(item) for item in value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ").replace(" ", "T")
    if type(value).__name__ == "Time" and hasattr(value, "utc"):  # astropy Time: UTC, whole seconds (as crds)
        return value.utc.strftime("%Y-%m-%dT%H:%M:%S")
    return "SUPRESSED_NONSTD_TYPE: " + repr(type(value).__name__)


def _asdf_history(handle) -> str:
    try:
        entries = handle.get_history_entries()
    except Exception:  # noqa: BLE001 - crds reads the tree's entries itself then
        history = handle.tree.get("history", [])
        entries = history.get("entries", history) if isinstance(history, dict) else history
    lines = []
    for entry in entries:
        when = entry["time"]
        text = when.isoformat(" ") if hasattr(when, "isoformat") else str(when)
        lines.append(text.split(".")[0] + " :: " + entry["description"])
    return "\n".join(lines) if lines else "UNDEFINED"


def asdf_cat_lines(path: str, keywords: Sequence[str] = ()) -> list[str]:
    return header_lines(asdf_header(path), keywords)


# -- JSON, YAML ------------------------------------------------------------------------------------

def text_tree_header(path: str, file_format: str) -> dict[str, str]:
    """crds's unconditioned header of a JSON or YAML reference (``file_format`` ``JSON``/``YAML``): the
    loaded tree flattened as an ASDF tree is (``A.B.C`` keys, values as text, other types named), then
    ``FILE_FORMAT``. (crds also cross-straps JWST keyword names when the tree names an instrument; not here.)"""
    with open(path, encoding="utf-8") as handle:
        if file_format == "JSON":
            import json

            tree = json.load(handle)
        else:
            import yaml

            tree = yaml.safe_load(handle)
    header = {str(key).upper(): str(value) for key, value in _simple_types(tree).items()}
    header["FILE_FORMAT"] = file_format
    return header


def text_tree_cat_lines(path: str, file_format: str, keywords: Sequence[str] = ()) -> list[str]:
    return header_lines(text_tree_header(path, file_format), keywords)


# -- GEIS ------------------------------------------------------------------------------------------

def geis_header(path: str) -> dict[str, str]:
    """crds's unconditioned header of an HST GEIS file (``x.r1h``; a data file ``x.r1d`` reads its header):
    each ``KEY = value`` card (comment from column 32 dropped, quotes removed; a later card wins), the
    HISTORY cards' text joined by newlines, then ``FILE_FORMAT`` ``GEIS``."""
    if path.endswith("d"):
        path = path[:-1] + "h"
    header: dict[str, str] = {}
    history = []
    with open(path, encoding="ascii", errors="replace") as handle:
        for line in handle:
            if len(line) >= 32 and line[31] == "/":
                line = line[:31]
            if line.startswith("HISTORY"):
                history.append(line[len("HISTORY"):].strip())
                continue
            words = [word.strip() for word in line.split("=")]
            if len(words) < 2:
                continue
            value = "=".join(words[1:]).strip()
            if value and value[0] == "'" and value[-1] == "'":
                value = value[1:-1].strip()
            header[words[0]] = value
    header["HISTORY"] = "\n".join(history)
    header = {key.upper(): value for key, value in header.items()}
    header["FILE_FORMAT"] = "GEIS"
    return header
