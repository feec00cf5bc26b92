"""The expression language of crds's ``.tpn`` constraints, evaluated safely.

``.tpn`` rows may give a presence condition (``(OBSTYPE=="IMAGING")``,
``(optional(has_columns(PHOTBW_ARRAY,['PHOTBW1'])))``) or a constraint that
must hold (``(len(RPROF_ARRAY.SHAPE)==2)``, ``((len(VALUE)>0)and(VALUE==VALUE.lower()))``).
crds ``eval``s them with its helper functions in scope; we parse them with
:mod:`crds_batch.rules.expressions` in a :class:`~crds_batch.rules.expressions.Dialect`
that allows only the helper functions below (our own, written from what
crds's helpers are documented to answer), a few builtins, and reads of the
array-description attributes and string methods named here. Nothing from a
file is ever run.

Arrays (``NAME_ARRAY``) are described as crds describes them to these
expressions: :class:`ArrayInfo` (``SHAPE``, ``KIND`` ``IMAGE``/``TABLE``,
``DATA_TYPE``: a numpy type name for images, ``{COLUMN: dtype text}`` for
tables, ``COLUMN_NAMES``), or ``"UNDEFINED"`` when the file has no such HDU.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..rules.expressions import Dialect, Expression, compile_expression

UNDEFINED = "UNDEFINED"


@dataclass(frozen=True)
class ArrayInfo:
    """What a constraint expression may know about one HDU's data."""

    SHAPE: tuple
    KIND: str
    DATA_TYPE: object
    COLUMN_NAMES: tuple | None
    NAME: str
    EXTENSION: int


def array_name(name: str) -> str:
    """The name an array constraint's array has in expressions: ``SCI`` -> ``SCI_ARRAY``, ``1`` -> ``ARRAY_1``."""
    return f"ARRAY_{name}" if re.match(r"\d+", str(name)) else f"{str(name).upper()}_ARRAY"


def array_properties(hdus, name: str):
    """:class:`ArrayInfo` of the HDU ``name`` (``EXTn``/``EXTENSIONn``/``n``: by number; ``NAME__v``: by
    name and version; else by name) of an open FITS file, or ``UNDEFINED``."""
    try:
        index = _hdu_index(hdus, str(name))
        hdu = hdus[index]
        kind = {"IMAGEHDU": "IMAGE", "BINTABLEHDU": "TABLE"}.get(type(hdu).__name__.upper(), "UNKNOWN")
        data = hdu.data
        if kind == "TABLE":
            dtype = data.dtype
            data_type: object = {column.upper(): str(dtype.fields[column][0]) for column in dtype.names}
            columns: tuple | None = tuple(column.upper() for column in dtype.names)
        else:
            data_type, columns = data.dtype.name, None
        return ArrayInfo(tuple(data.shape), kind, data_type, columns, str(name), index)
    except Exception:  # noqa: BLE001 - crds: any HDU it cannot describe is an undefined array
        return UNDEFINED


def _hdu_index(hdus, name: str) -> int:
    numbered = re.match(r"(EXT(ENSION)?)?(\d+)", name)
    if numbered:
        return int(numbered.group(3))
    versioned = re.match(r"(.*)__(\d+)", name)
    wanted = (versioned.group(1), int(versioned.group(2))) if versioned else (name, None)
    for index, hdu in enumerate(hdus):
        if hdu.name == wanted[0] and wanted[1] in (None, hdu.ver):
            return index
    raise ValueError(f"Can't find HDU: {name}")


# Helper functions the .tpn expressions call -------------------------------------------------------------------

def array_exists(info) -> bool:
    return info != UNDEFINED


def is_table(info) -> bool:
    return array_exists(info) and info.KIND == "TABLE"


def is_image(info) -> bool:
    return array_exists(info) and info.KIND == "IMAGE"


def has_columns(info, names) -> bool:
    return array_exists(info) and all(name in info.COLUMN_NAMES for name in names)


#: Image data type words -> numpy type-name prefixes.
_IMAGE_TYPES = {"COMPLEX": "complex", "INT": "int", "INTEGER": "int", "FLOAT": "float", "BOOLEAN": "bool"}
#: Table column type words -> the prefixes of numpy dtype texts they accept.
_COLUMN_TYPES = {
    "COMPLEX": (">c", "<c", "complex"), "INT": (">i", "<i", "uint", "int"), "INTEGER": (">i", "<i", "uint", "int"),
    "FLOAT": (">f", "<f", "float"), "STR": ("|S",), "STRING": ("|S",),
}
for _word in ("COMPLEX", "INT", "INTEGER", "FLOAT", "STR", "STRING"):
    _COLUMN_TYPES[_word + "_ARRAY"] = tuple("('" + prefix for prefix in _COLUMN_TYPES[_word])


def has_type(info, words) -> bool:
    words = [words] if isinstance(words, str) else words
    return array_exists(info) and any(_IMAGE_TYPES.get(word, word) in info.DATA_TYPE for word in words)


class MissingColumnError(Exception):
    """A column type asked of a table without that column (crds's message)."""


def has_column_type(info, column: str, word: str) -> bool:
    if not array_exists(info):
        return False
    prefixes = _COLUMN_TYPES.get(word, word)
    try:
        column_type = info.DATA_TYPE[column.upper()]
    except KeyError:
        raise MissingColumnError(f"Data type not defined for column {column!r}") from None
    return any(prefix in column_type for prefix in prefixes)


def optional(flag=True):
    return "O" if flag else False


def required(flag=True):
    return "R" if flag else False


def warning(flag=True):
    return "W" if flag else False


def warn_only(flag):
    return True if flag else "W"


def is_defined(value) -> bool:
    return value not in (UNDEFINED, None)


FUNCTIONS = {
    "array_exists": array_exists, "is_table": is_table, "is_image": is_image, "has_columns": has_columns,
    "has_type": has_type, "has_column_type": has_column_type, "optional": optional, "required": required,
    "warning": warning, "warn_only": warn_only, "is_defined": is_defined,
    "len": len, "str": str, "int": int, "float": float, "abs": abs, "min": min, "max": max, "any": any, "all": all,
}
ATTRIBUTES = frozenset({"SHAPE", "KIND", "DATA_TYPE", "COLUMN_NAMES", "NAME", "EXTENSION",
                        "lower", "upper", "strip", "startswith", "endswith"})
TPN_DIALECT = Dialect(FUNCTIONS, ATTRIBUTES)


@lru_cache(maxsize=None)
def compile_tpn_expression(source: str) -> Expression:
    """A ``.tpn`` expression, screened (raises ``ExpressionError`` for anything outside the language)."""
    return compile_expression(source, "(tpn expression)", TPN_DIALECT)


def identifiers(source: str) -> list[str]:
    """The header names an expression uses: upper-case words (helpers are lower case), the part before a dot,
    numbers and ``_`` left out, as crds scans them to skip expressions on undefined keywords."""
    words = [match.group(0) for match in re.finditer(r"['\"\.A-Z0-9_a-z]+", source)]
    names = [word.split(".")[0] for word in words if re.match(r"^[A-Z0-9_\.]+$", word)]
    return [name for name in names if not re.match(r"\d+", name) and name != "_"]
