"""An optional record of the steps the scalar lookup takes, for ``crds-batch explain``.

The lookup (:mod:`.lookup`) and the selectors call :func:`note` at each
decision; outside :func:`recording` that is one context-variable read and
nothing is kept, so the lookup itself is the only implementation of
selection and explaining cannot drift from it.

A step is ``Step(kind, depth, facts)``; ``depth`` is the selector nesting
(0 for the imap/rmap steps, 1 for the rmap's top selector, 2 for a selector
nested in it...). Kinds and their facts:

``imap``           ``filekind``, ``imap``, ``entry`` (the imap's value: an rmap name, N/A or OMIT)
``rmap``           ``filekind``, ``rmap`` (noted by ``explain`` when it starts at an rmap)
``rmap_omit``      ``expression``, ``value`` (True: the type is omitted)
``rmap_relevance`` ``expression``, ``value`` (False: the type is N/A)
``precondition``   ``changes`` ``{parameter: (before, after)}`` made by the rmap's header hook
``parkey_relevance`` ``parameter``, ``expression`` (false: the parameter was set to N/A)
``selector``       ``selector``, ``parameters``, ``values`` (the dataset's), ``lookup`` (what the
                   selector compares: normalized date, number, version...), ``nkeys``
``match``          ``survivors`` ``[(key, weight, statuses)]`` best first, ``nkeys``
``candidate``      what the selector proposes (``key``...; per selector, see ``trace_candidate``)
``candidate_failed`` ``error`` (the nested lookup failed: the next candidate is tried)
``lookup_failed``  ``error`` (no candidate; the rmap's fallback or DNR rule may follow)
``dnr``            the dataset is Do-Not-Reprocess: the type is N/A
``fallback``       ``changes`` the rmap's fallback hook made before the second try
``result``         ``value`` (a file name, ``N/A``, ``OMIT``, ``NOT FOUND ...``)
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_STEPS: ContextVar[list | None] = ContextVar("crds_batch_trace_steps", default=None)
_DEPTH: ContextVar[int] = ContextVar("crds_batch_trace_depth", default=0)


@dataclass(frozen=True)
class Step:
    """One decision of a lookup."""

    kind: str
    depth: int
    facts: dict = field(default_factory=dict)


def active() -> bool:
    """True inside :func:`recording` (callers compute costly facts only then)."""
    return _STEPS.get() is not None


def note(kind: str, **facts: Any) -> None:
    """Record one step if a recording is active."""
    steps = _STEPS.get()
    if steps is not None:
        steps.append(Step(kind, _DEPTH.get(), facts))


@contextmanager
def recording() -> Iterator[list[Step]]:
    """Collect the steps of the lookups run inside the block into the yielded list."""
    steps: list[Step] = []
    token = _STEPS.set(steps)
    depth_token = _DEPTH.set(0)
    try:
        yield steps
    finally:
        _DEPTH.reset(depth_token)
        _STEPS.reset(token)


class _Deeper:
    """``with deeper():`` steps noted inside are one selector level deeper; nothing at all when not recording."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _DEPTH.set(_DEPTH.get() + 1) if _STEPS.get() is not None else None

    def __exit__(self, *exc_info) -> None:
        if self._token is not None:
            _DEPTH.reset(self._token)


def deeper() -> _Deeper:
    return _Deeper()


def header_changes(before: dict, after: dict) -> dict[str, tuple[Any, Any]]:
    """``{key: (before, after)}`` for the keys a hook changed, added or removed."""
    keys = sorted(set(before) | set(after))
    return {key: (before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)}
