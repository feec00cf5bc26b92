"""What made a lookup return tied choices instead of a file name, in words.

When equal-weight Match cases give different results and the first of them
is a plain value (``N/A``, a file name), crds returns the tuple of the
choices; ``crds bestrefs`` then fails the whole dataset (``Failed processing
'<id>' : 'tuple' object has no attribute 'startswith'``).  The batch jobs fail
the dataset the same way; this module says which cases tied, on which
values, so that the message can be acted upon.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .lookup import apply_parkey_relevance, prepare_header
from .selectors.base import Selector
from .selectors.match import MatchSelector

#: What crds bestrefs says when it meets a result that is no file name.
CRDS_WORDS = "'{kind}' object has no attribute 'startswith'"


def describe_unresolved(context: Any, parameters: Mapping[str, Any], filekind: str, result: str) -> str:
    """One line: which rmap, which cases tied on which values (or the result itself when no tie is found).

    Parameters
    ----------
    context : PipelineContext
        The context whose lookup gave ``result``.
    parameters : mapping
        The dataset's parameters as stored.
    filekind : str
        The type looked up.
    result : str
        The result as the engine renders it (``repr`` of the tuple or dict).
    """
    kind = "dict" if result.startswith("{") else "tuple"
    crds_words = CRDS_WORDS.format(kind=kind)
    try:
        imap, header = prepare_header(context, parameters)
        rmap = imap.child(filekind.lower())
        tie = _first_tie(rmap, header)
    except Exception:  # describing must never fail the job: fall back to the result itself
        tie = None
    if tie is None:
        return f"{filekind.upper()} rules give {result} instead of a file name (crds: {crds_words})"
    name, cases, values = tie
    listed = " and ".join(f"{key!r} -> {_short(choice)}" for key, choice in cases)
    bound = ", ".join(f"{par}={value!r}" for par, value in values.items())
    return (f"ambiguous {filekind.upper()} rules in {name}: Match cases {listed} match equally for {bound} "
            f"(crds: {crds_words})")


def _first_tie(rmap: Any, header: dict[str, str]) -> tuple[str, list[tuple[Any, Any]], dict[str, str]] | None:
    header = rmap.precondition(dict(header)) if rmap.precondition else dict(header)
    header = apply_parkey_relevance(rmap, header)
    selector = rmap.selector
    while isinstance(selector, MatchSelector):
        by_weight: dict[int, list[int]] = {}
        for weight, index in selector.weights(header):
            by_weight.setdefault(weight, []).append(index)
        if not by_weight:
            return None
        best = by_weight[min(by_weight)]
        if len(best) > 1:
            cases = [selector.selections[i] for i in best]
            values = {par: header.get(par, "UNDEFINED") for par in selector.parameters}
            return rmap.basename, cases, values
        selector = selector.selections[best[0]][1]
    return None


def _short(choice: Any) -> str:
    if isinstance(choice, Selector):
        return f"{choice.short_name}(...)"
    return repr(choice)
