"""Checks of an rmap's selectors against its header and its type's legal values (crds's ``validate_selector``).

``classes`` in the header must name one selector class per ``parkey``
level. Each Match key's values must be legal for the parameters they select
on: the legal values are the ``ld_tpn`` constraints crds keeps for the
rmap's instrument and type (:mod:`crds_batch.observatories.constraints`), for
the parameters the rmap requires. Wild cards, ``N/A``, regular expressions,
``NOT``/``BETWEEN`` forms and substituted values are judged as crds judges
them; the first illegal value of a key is one error line. A key whose values
are legal is then checked for equal-weight overlaps (:mod:`.match_overlaps`).
"""
from __future__ import annotations

from ..observatories.constraints import constraints
from ..rules.conditioning import condition_value, esoteric_key, glob_list
from ..rules.parsing import ParsedMapping, SelectorCall
from .log import CertifyLog
from .match_overlaps import check_overlaps

#: The selector classes an rmap without a ``classes`` header has.
DEFAULT_CLASSES = ("Match", "UseAfter")


class IllegalValue(ValueError):
    """A match value not legal for its parameter (crds's text)."""


def check_match_values(parsed: ParsedMapping, log: CertifyLog, path: str) -> None:
    """Log crds's selector validation errors for ``parsed``."""
    selector = parsed.selector
    if not isinstance(selector, SelectorCall):
        return
    parkey = tuple(parsed.header.get("parkey", ()))
    classes = parsed.header.get("classes", DEFAULT_CLASSES)
    if len(parkey) != len(tuple(classes)):
        parameters = tuple(parkey[0]) if parkey else ()
        log.error(f"{selector.name}{parameters!r} : Length mismatch between rmap parkey: {str(parkey)!r} "
                  f"and rmap classes header fields {str(tuple(classes))!r}", path)
    legal = legal_values_map(parsed)
    from ..errors import CrdsBatchError
    from ..rules.errors import ExpressionError
    from ..rules.mappings import ReferenceMapping

    try:
        rmap = ReferenceMapping(parsed, path)
    except (CrdsBatchError, ExpressionError):
        return
    comments = {str(name).upper() for name in parsed.header.get("comment_parkeys", ())}
    observatory = str(parsed.header.get("observatory", "")).lower()
    _check_selector(rmap.selector, legal, comments, log, path, observatory)


def required_parameters(header: dict) -> list[str]:
    """The parameters an rmap requires: its parkeys, its reference switch and its extra keys."""
    names: list[str] = []
    for level in header.get("parkey", ()):
        names += [str(name).upper() for name in (level if isinstance(level, (tuple, list)) else (level,))]
    switch = str(header.get("reffile_switch", "NONE")).upper()
    if switch != "NONE":
        names.append(switch)
    names += [str(name).upper() for name in header.get("extra_keys", ())]
    return names


def legal_values_map(parsed: ParsedMapping) -> dict[str, tuple[str, ...]]:
    """{parameter: conditioned legal values} from the rmap type's ``ld_tpn`` constraints (simple ones only)."""
    header = parsed.header
    observatory = str(header.get("observatory", "")).lower()
    instrument, filekind = str(header.get("instrument", "")).lower(), str(header.get("filekind", "")).lower()
    required = set(required_parameters(header))
    legal: dict[str, tuple[str, ...]] = {}
    for constraint in constraints(observatory, instrument, filekind, "ld_tpn"):
        if constraint.complex or constraint.name not in required:
            continue
        values: list = list(constraint.values)
        if len(values) == 1 and ":" in values[0]:
            try:
                low, high = (int(float(limit)) for limit in values[0].split(":"))
            except ValueError:
                pass
            else:
                values = list(range(low, high + 1))
        legal[constraint.name] = tuple(condition_value(value) for value in values)
    return legal


def _check_selector(selector, legal: dict, comments: set[str], log: CertifyLog, path: str,
                    observatory: str) -> None:
    from ..rules.selectors.base import Selector
    from ..rules.selectors.match import MatchSelector

    for key, choice in selector.selections:
        try:
            if isinstance(selector, MatchSelector):
                _check_key(selector, key, legal, comments)
                check_overlaps(selector, key, observatory, log, path)
        except (IllegalValue, ValueError) as exc:
            # crds annotates the exception's text first (JWST: META names with their FITS keywords), then the
            # line, where a keyword already annotated is left as it is
            detail = log.annotate(str(exc)) if log.annotate else str(exc)
            log.error(f"{selector.short_name}{selector.parameters!r} : {key!r} : {detail}", path)
            continue
        if isinstance(choice, Selector):
            _check_selector(choice, legal, comments, log, path, observatory)


def _check_key(selector, key, legal: dict, comments: set[str]) -> None:
    key = key if isinstance(key, tuple) else (key,)
    for name, field in zip(selector.parameters, key):
        if name in comments or name not in legal:
            continue
        for value in glob_list(str(field)):
            _check_value(name, value, legal[name], selector.settings.substitutions)


def _check_value(name: str, value: str, legal: tuple, substitutions: dict) -> None:
    if value in legal or condition_value(value) in legal or not legal:
        return
    if value.startswith("NOT"):
        _check_value(name, value[len("NOT"):].strip(), legal, substitutions)
        return
    if esoteric_key(value) or value in ("*", "ANY", "N/A"):
        return
    if value.lower().startswith("between"):
        _, first, second = value.split()
        _check_value(name, first, legal, substitutions)
        _check_value(name, second, legal, substitutions)
        return
    if len(legal) == 1 and ":" in legal[0]:
        low, high = (float(limit) for limit in legal[0].split(":"))
        if low <= float(value) <= high:
            return
        raise IllegalValue(f" parameter={name!r} value ={value!r} is not in range [{low} .. {high}]")
    if name in substitutions and value in substitutions[name]:
        _check_value(name, substitutions[name][value], legal, substitutions)
        return
    raise IllegalValue(f" parameter={name!r} value={value!r} is not in {legal!r}")


#: One match value against its parameter's legal values (raises :class:`IllegalValue`); refactor insert uses it.
check_value = _check_value
