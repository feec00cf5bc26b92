"""Match cases that can match the same dataset with equal weight (crds's rmap ambiguity check).

A Match key is an *equal weight special case* of another when the other
matches every dataset it matches (each field equal, ``*``/``ANY``, the other
``N/A``, or an or-group ``A|B`` containing it) and both count the same number
of non-``N/A`` fields. crds certify checks each key of each Match selector
(after its values were found legal) against every key of the selector:

- JWST/Roman, and HST rmaps whose header sets ``merge_overlaps`` false: an
  error for the first such other key (``Match(PARS) : KEY : ...Match case
  ... is an equal weight special case of ... Cancel the submission...``);
- HST otherwise (crds merges equal-weight matches at lookup): a warning per
  pair, shown only with ``--verbose`` (crds's ``verbose_warning``).

Each case is shown as its key, the first UseAfter date of its nested
selector's first file and that file. crds takes the date from the first (in
sorted order) match path of that *file* anywhere in the selector, which may be
another case's date when the file is used twice: we show what crds shows.
"""
from __future__ import annotations

from functools import lru_cache

from ..rules.conditioning import condition_value, glob_list
from .log import CertifyLog

_ERROR_TAIL = ("Cancel the submission and regenerate the reference files\n"
               "with different parameter values which coincide with an existing category.\n"
               "For some parameter sets, CRDS interprets both matches as equally good.\n"
               "For more explanation, see the file submission section of the CRDS server user's guide here:\n"
               "https://{observatory}-crds.stsci.edu/static/users_guide/index.html\n")
_WARNING_TAIL = ("\nFor some parameter sets, CRDS interprets both matches as equally good.\n"
                 "See the file submission section of the CRDS server user's guide here:\n"
                 "    https://hst-crds.stsci.edu/static/users_guide/index.html\n"
                 "for more explanation.\n")
_RULE = "-" * 40


def _glob_set(value: str) -> set:
    return set(glob_list(value))


def matches_superset(general: tuple, special: tuple) -> bool:
    """Whether key ``general`` matches whenever key ``special`` does."""
    for wide, narrow in zip(general, special):
        if wide == narrow or wide == "*" or narrow == "N/A" or (wide == "N/A" and narrow == "*"):
            continue
        if narrow == "*":
            return False
        wide_set, narrow_set = _glob_set(wide), _glob_set(narrow)
        if wide_set > narrow_set:
            continue
        return False
    return True


def same_weight(special: tuple, general: tuple) -> bool:
    """Both keys count the same number of fields that are not ``N/A``."""
    special_count = general_count = len(special)
    for narrow, wide in zip(special, general):
        if narrow == "N/A" and wide != "N/A":
            special_count -= 1
        elif wide == "N/A" and narrow != "N/A":
            general_count -= 1
    return special_count == general_count


def _general(key: tuple) -> bool:
    """Whether ``key`` can match more than its own values (a ``*``, ``N/A`` or or-group field)."""
    return any(str(field) in ("*", "N/A") or "|" in str(field) for field in key)


@lru_cache(maxsize=64)
def _cases(selector) -> tuple[tuple[tuple, bool], ...]:
    """The selector's keys as tuples, each with whether it is general (others can be its special cases)."""
    keys = [key if isinstance(key, tuple) else (key,) for key, _ in selector.selections]
    return tuple((key, _general(key)) for key in keys)


def check_overlaps(selector, key, observatory: str, log: CertifyLog, path: str) -> None:
    """Raise ``ValueError`` (crds's text) or log verbose warnings for ``key`` of Match ``selector``."""
    key = tuple(condition_value(field) for field in (key if isinstance(key, tuple) else (key,)))
    # only a general key covers a different one, unless this one has N/A (or empty or-group) fields
    loose = any(str(field) == "N/A" or not str(field).strip("| ") for field in key)
    for other, general in _cases(selector):
        if not (general or loose):
            continue
        if key == other or not matches_superset(other, key) or not same_weight(key, other):
            continue
        key_text, other_text = _describe(selector, key), _describe(selector, other)
        if observatory != "hst" or not selector.settings.merge_overlaps:
            raise ValueError(f"\n{_RULE}\nMatch case\n{key_text}\nis an equal weight special case of\n{other_text}\n"
                             + _ERROR_TAIL.format(observatory=observatory.lower()) + _RULE)
        log.verbose_warning(f"{_RULE}\nMatch case\n{key_text}\nis an equal weight special case of\n{other_text}"
                            f" {_WARNING_TAIL} {_RULE}", path)


def _describe(selector, key: tuple) -> str:
    """``KEY : UseAfter({\\n    'DATE' : FILE`` as crds shows a case (just KEY when it has no nested selector)."""
    from ..rules.selectors.base import Selector

    text = f"{key}"
    nested = [choice for case, choice in selector.selections
              if (case if isinstance(case, tuple) else (case,)) == key and isinstance(choice, Selector)]
    if not nested or not nested[0].choices():
        return text
    filename = nested[0].choices()[0]
    paths = sorted(_file_paths(selector, filename, ()))
    if paths and len(paths[0][-1]) in (1, 2):
        text += " : UseAfter({\n    '" + " ".join(value for _, value in paths[0][-1]) + "'"
    return text + " : " + str(filename)


def _file_paths(selector, filename: str, sofar: tuple) -> list:
    """Every path of ((parameter, value), ...) items leading to ``filename`` in ``selector``."""
    from ..rules.selectors.base import Selector
    from ..rules.selectors.match import MatchSelector

    paths = []
    for key, choice in selector.selections:
        if isinstance(selector, MatchSelector) or len(selector.parameters) == 1:
            fields = key if isinstance(key, tuple) else (key,)
        else:
            fields = str(key).split()
        here = sofar + (tuple(zip(selector.parameters, [str(field) for field in fields])),)
        if isinstance(choice, Selector):
            paths += _file_paths(choice, filename, here)
        elif choice == filename:
            paths.append(here)
    return paths
