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

    def row_ok(self) -> np.ndarray:
        return self.ok[self.codes]

    def row_value(self) -> np.ndarray:
        return self.value[self.codes]

    def row_error(self) -> np.ndarray:
        return self.error[self.codes]

    def categorical(self, rows: np.ndarray) -> pd.Categorical:
        """The normalized values of the ``rows`` (a boolean mask), dictionary-encoded without re-hashing them."""
        remap, uniques = pd.factorize(self.value)
        return pd.Categorical.from_codes(remap[self.codes[rows]], categories=uniques)


def normalize_column(column: pd.Series | None, nrows: int, which: str, options: CompareOptions) -> NormalizedColumn:
    """Normalize a result column (Categorical or object; None = type absent) for comparison."""
    if column is None:
        categories: list = []
        codes = np.full(nrows, -1, dtype=np.int64)
    else:
        categorical = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
        categories = list(categorical.cat.categories)
        codes = np.asarray(categorical.cat.codes, dtype=np.int64)
    normalized = [normalize(category, which, options) for category in categories] + [normalize(None, which, options)]
    codes = np.where(codes < 0, len(categories), codes)  # absent -> the UNDEFINED slot
    ok = np.array([item[0] for item in normalized], dtype=bool)
    value = np.array([item[1] for item in normalized], dtype=object)
    error = np.array([item[2] for item in normalized], dtype=object)
    unresolved = np.array([is_unresolved(category) for category in categories] + [False], dtype=bool)
    return NormalizedColumn(codes, ok, value, error, unresolved)


def compare_type(old: pd.Series | None, new: pd.Series | None, options: CompareOptions) -> dict[str, np.ndarray]:
    """Compare one type's old and new results for every row.

    Returns arrays over rows: ``present`` (the type was looked up in either
    context), ``old``/``new`` normalized values (``old_column``/``new_column``:
    the same as :class:`NormalizedColumn`), ``old_error``/``new_error``
    messages (None when fine), ``killed`` (new lookup failed), ``update``
    (new differs from old and may be applied), ``difference_error`` (an
    update that counts as an error under --differences-are-errors),
    ``old_unresolved``/``new_unresolved`` (the result is no file name).
    """
    nrows = len(new) if new is not None else len(old)
    old_norm = normalize_column(old, nrows, "Old:", options)
    new_norm = normalize_column(new, nrows, "New:", options)
    present = np.zeros(nrows, dtype=bool)
    for column in (old, new):
        if column is not None:
            present |= column.notna().to_numpy()
    old_value, new_value = old_norm.row_value(), new_norm.row_value()
    new_ok = new_norm.row_ok()
    killed = present & ~new_ok
    update = present & new_ok & (old_value != new_value)
    difference_error = np.zeros(nrows, dtype=bool)
    if options.differences_are_errors:
        difference_error = update.copy()
        if not options.na_differences_matter:
            difference_error &= (old_value != "N/A") & (new_value != "N/A")
    return {
        "present": present,
        "old": old_value,
        "new": new_value,
        "old_column": old_norm,
        "new_column": new_norm,
        "old_error": np.where(present, old_norm.row_error(), None),
        "new_error": np.where(present, new_norm.row_error(), None),
        "killed": killed,
        "update": update,
        "difference_error": difference_error,
        "old_unresolved": old_norm.unresolved[old_norm.codes],
        "new_unresolved": new_norm.unresolved[new_norm.codes],
    }


def stop_at_unresolved(result: dict[str, np.ndarray], alive: np.ndarray, with_old: bool) -> np.ndarray:
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
    result["old_error"] = np.where(alive & ~old_bad, result["old_error"], None)
    result["new_error"] = np.where(keep, result["new_error"], None)
    for name in ("killed", "update", "difference_error"):
        result[name] = result[name] & keep
    return fails
