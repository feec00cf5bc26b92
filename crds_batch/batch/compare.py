"""Old vs new best references, compared the way ``crds bestrefs`` compares them, a column at a time.

Per type, each result is normalized: the ``xref$``/``crds://`` prefix dropped,
stripped, upper-cased; ``NOT FOUND N/A`` -> ``N/A``; no-match texts,
``UNDEFINED`` (type absent), ``NONE``, ``''`` and ``*`` -> ``N/A`` unless
undefined differences matter (then an error); any other ``NOT FOUND`` is a
failed lookup. A failed new lookup kills the dataset (no update may be made
for it); otherwise a new value different from the old is an update.

A result that is no file name (the engine's ``repr`` of the tuple crds
returns for tied choices, or of a dict) is *unresolved*: crds bestrefs fails
the whole dataset on it, at the first such type in sorted order (errors of
the types before it stay counted, its updates are dropped); see
:func:`stop_at_unresolved`.

The work is done on the distinct values (categories) of a column, then
broadcast to rows through the category codes, so it costs little per row.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

UNDEFINED = "UNDEFINED"
NO_MATCH_VALUES = frozenset({"NOT FOUND NO MATCH FOUND.", "UNDEFINED", "NONE", "", "*"})


@dataclass(frozen=True)
class CompareOptions:
    """crds bestrefs comparison switches."""

    undefined_differences_matter: bool = False
    na_differences_matter: bool = False
    differences_are_errors: bool = False


def clean_reference(name: str) -> str:
    """``jref$n4e12510j_crr.fits`` -> ``n4e12510j_crr.fits``; ``crds://x`` -> ``x``."""
    if "ref$" in name:
        return name.split("$")[-1].strip()
    if name.startswith("crds://"):
        return name[len("crds://"):]
    return name


def is_unresolved(value: object) -> bool:
    """True for a result that is no file name: tied choices (a tuple) or a dict, as the engine renders them."""
    return isinstance(value, str) and value[:1] in ("(", "{")


def normalize(value: str | None, which: str, options: CompareOptions) -> tuple[bool, str, str | None]:
    """One result -> (ok, normalized value, error message or None), as crds's handle_na_and_not_found.

    ``which`` is ``"Old:"`` or ``"New:"`` and starts the error message.
    """
    original = clean_reference(UNDEFINED if value is None else str(value)).strip()
    ref = original.upper()
    if ref.startswith("NOT FOUND N/A"):
        return True, "N/A", None
    if ref in NO_MATCH_VALUES:
        if options.undefined_differences_matter:
            return False, ref, f"{which} No match found: {original!r}"
        return True, "N/A", None
    if ref.startswith("NOT FOUND"):
        return False, ref, f"{which} Bestref FAILED: {original[len('NOT FOUND'):]}"
    return True, ref, None


@dataclass
class NormalizedColumn:
    """A result column after normalization: per-row codes into small per-category arrays."""

    codes: np.ndarray  # int, -1 = type absent for the row
    ok: np.ndarray  # per category (+1 slot for absent at the end)
    value: np.ndarray  # object, per category (+ absent)
    error: np.ndarray  # object (str or None), per category (+ absent)
    unresolved: np.ndarray  # bool, per category (+ absent): no file name (see is_unresolved)

    @property
    def absent(self) -> int:
        """The code of the rows without the type (the last slot)."""
        return len(self.value) - 1

    def row_present(self) -> np.ndarray:
        return self.codes != self.absent

    def row_ok(self) -> np.ndarray:
        return self.ok[self.codes]

    def row_value(self) -> np.ndarray:
        return self.value[self.codes]

    def row_error(self) -> np.ndarray:
        return self.error[self.codes]

    def error_texts(self, rows: np.ndarray) -> pa.Array:
        """The error messages of the ``rows`` (a boolean mask), as Arrow strings: each distinct message
        converted once, then taken by the rows' codes."""
        return pa.array(self.error.tolist(), pa.string()).take(pa.array(self.codes[rows]))

    def has_error(self) -> np.ndarray:
        """Per category: normalization gave an error message."""
        return np.array([message is not None for message in self.error.tolist()], dtype=bool)

    def categorical(self, rows: np.ndarray) -> pd.Categorical:
        """The normalized values of the ``rows`` (a boolean mask), dictionary-encoded without re-hashing them."""
        remap, uniques = pd.factorize(self.value)
        return pd.Categorical.from_codes(remap[self.codes[rows]], categories=uniques)


#: (which, options) -> category value -> (ok, value, error, unresolved); categories repeat across partitions and types.
_NORMALIZED: dict[tuple[str, CompareOptions], dict[str, tuple[bool, str, str | None, bool]]] = {}
_NORMALIZED_MAX = 1_000_000  # values remembered per (which, options), per process


def _normalized_categories(categories: list, which: str, options: CompareOptions) -> list[tuple]:
    """:func:`normalize` and :func:`is_unresolved` of each category, remembered per distinct text."""
    memo = _NORMALIZED.setdefault((which, options), {})
    out = []
    for category in categories:
        found = memo.get(category) if type(category) is str else None
        if found is None:
            found = (*normalize(category, which, options), is_unresolved(category))
            if type(category) is str and len(memo) < _NORMALIZED_MAX:
                memo[category] = found
        out.append(found)
    return out


def normalize_column(column: pd.Series | None, nrows: int, which: str, options: CompareOptions) -> NormalizedColumn:
    """Normalize a result column (Categorical or object; None = type absent) for comparison."""
    if column is None:
        categories: list = []
        codes = np.full(nrows, -1, dtype=np.int64)
    else:
        categorical = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
        categories = categorical.cat.categories.tolist()
        codes = np.asarray(categorical.cat.codes, dtype=np.int64)
    normalized = _normalized_categories(categories, which, options)
    normalized.append((*normalize(None, which, options), False))  # the slot of rows without the type
    codes = np.where(codes < 0, len(categories), codes)  # absent -> the UNDEFINED slot
    ok = np.array([item[0] for item in normalized], dtype=bool)
    value = np.array([item[1] for item in normalized], dtype=object)
    error = np.array([item[2] for item in normalized], dtype=object)
    unresolved = np.array([item[3] for item in normalized], dtype=bool)
    return NormalizedColumn(codes, ok, value, error, unresolved)


class Comparison(dict):
    """:func:`compare_type`'s result: arrays over rows by name.

    The per-row object arrays ``old``/``new`` (normalized values) and
    ``old_error``/``new_error`` (messages, None when fine) are made from the
    columns' codes when read, unless set explicitly; which rows have an error
    is ``old_error_rows``/``new_error_rows`` (kept in step when an error array
    is set), so that code working per category (:func:`error_messages`) needs
    no per-row Python objects.
    """

    _SIDES = {"old": "old", "new": "new", "old_error": "old", "new_error": "new"}

    def __missing__(self, key: str) -> np.ndarray:
        side = self._SIDES.get(key)
        if side is None:
            raise KeyError(key)
        column: NormalizedColumn = self[f"{side}_column"]
        if key == side:
            return column.row_value()
        rows = self[f"{side}_error_rows"]
        return np.where(rows, column.row_error(), None)

    def __setitem__(self, key: str, value) -> None:
        if key in ("old_error", "new_error"):
            super().__setitem__(key.replace("_error", "_error_rows"), pd.notna(value).astype(bool))
        super().__setitem__(key, value)


def error_messages(result: Comparison, side: str, rows: np.ndarray) -> pa.Array:
    """The ``side`` ("old"/"new") error messages of the ``rows`` (a boolean mask), as Arrow strings.

    Per category (one Python string per distinct message) unless the messages were set per row.
    """
    if f"{side}_error" in result:
        return pa.array(result[f"{side}_error"][rows].tolist(), pa.string())
    column: NormalizedColumn = result[f"{side}_column"]
    return column.error_texts(rows)


def _same_values(old: NormalizedColumn, new: NormalizedColumn) -> np.ndarray:
    """Per row: old and new normalized values are equal (compared on codes into their common values)."""
    common, _ = pd.factorize(np.concatenate([old.value, new.value]))
    return common[:len(old.value)][old.codes] == common[len(old.value):][new.codes]


def compare_type(old: pd.Series | None, new: pd.Series | None, options: CompareOptions) -> Comparison:
    """Compare one type's old and new results for every row.

    Returns arrays over rows: ``present`` (the type was looked up in either
    context), ``old``/``new`` normalized values (``old_column``/``new_column``:
    the same as :class:`NormalizedColumn`), ``old_error``/``new_error``
    messages (None when fine; ``old_error_rows``/``new_error_rows``: where they
    are not), ``killed`` (new lookup failed), ``update`` (new differs from old
    and may be applied), ``difference_error`` (an update that counts as an
    error under --differences-are-errors), ``old_unresolved``/``new_unresolved``
    (the result is no file name).  Worked out per category, broadcast by codes.
    """
    nrows = len(new) if new is not None else len(old)
    old_norm = normalize_column(old, nrows, "Old:", options)
    new_norm = normalize_column(new, nrows, "New:", options)
    present = old_norm.row_present() | new_norm.row_present()
    new_ok = new_norm.row_ok()
    killed = present & ~new_ok
    update = present & new_ok & ~_same_values(old_norm, new_norm)
    difference_error = np.zeros(nrows, dtype=bool)
    if options.differences_are_errors:
        difference_error = update.copy()
        if not options.na_differences_matter:
            difference_error &= (old_norm.value != "N/A")[old_norm.codes] & (new_norm.value != "N/A")[new_norm.codes]
    return Comparison(
        present=present,
        old_column=old_norm,
        new_column=new_norm,
        old_error_rows=present & old_norm.has_error()[old_norm.codes],
        new_error_rows=present & new_norm.has_error()[new_norm.codes],
        killed=killed,
        update=update,
        difference_error=difference_error,
        old_unresolved=old_norm.unresolved[old_norm.codes],
        new_unresolved=new_norm.unresolved[new_norm.codes],
    )


def stop_at_unresolved(result: Comparison, alive: np.ndarray, with_old: bool) -> np.ndarray:
    """Apply crds's failure at an unresolved result to one type's comparison; return the rows failing here.

    Types are compared in sorted order; ``alive`` marks the rows that have not
    failed at an earlier type (nothing of this type counts for the others).  A
    row fails here when its old (compared first, if ``with_old``) or new result
    is unresolved; the old side's error still counts when only the new one is.
    ``result`` (from :func:`compare_type`) is changed in place.
    """
    old_bad = result["old_unresolved"] if with_old else np.zeros(len(alive), dtype=bool)
    fails = alive & (old_bad | result["new_unresolved"])
    keep = alive & ~fails
    for side, counts in (("old", alive & ~old_bad), ("new", keep)):
        if f"{side}_error" in result:  # set per row
            result[f"{side}_error"] = np.where(counts, result[f"{side}_error"], None)
        else:
            result[f"{side}_error_rows"] = result[f"{side}_error_rows"] & counts
    for name in ("killed", "update", "difference_error"):
        result[name] = result[name] & keep
    return fails
