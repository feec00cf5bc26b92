"""Carrying plans over between alike rmaps: the part of a context diff that cannot change a result.

Two rmaps that differ only in their Match table run the same gate, hooks, DNR and reffile rules; a plan of
the old one whose chains touched only selections with equal choices in both is the new one's plan too
(see ``RmapProgram.carried_from``), so the rows it covers need no second evaluation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..rules.selectors import MatchSelector, Selector, UseAfterSelector
from .compile import _ABSENT, Chain, Constant, Plan, RmapProgram


#: Header entries that name or fingerprint an rmap without changing what it selects.
_IDENTITY_KEYS = frozenset({"name", "sha1sum", "derived_from"})


@dataclass(frozen=True)
class Carry:
    """How the plans of an old rmap's program carry over to an alike new one (``RmapProgram.carried_from``)."""

    #: Old selection indices whose key the new rmap has, with an equal choice.
    same: frozenset[int]
    #: The new rmap's Match selector and the indices of its keys the old one lacks (empty: same keys).
    selector: MatchSelector
    added: tuple[int, ...]
    #: Same parameter checks (so the same check failures); else whether the new accept all the old accept.
    same_checks: bool
    wider_checks: bool
    #: Whether an added key joins, per chain basis (many plans share their selector values).
    _joins: dict = field(default_factory=dict, compare=False, repr=False)
    #: Whether a plan carries over, per plan (by id, with the plan kept alive): plans are cached on their
    #: program and recur in every partition.
    _plans: dict = field(default_factory=dict, compare=False, repr=False)


def plan_carries_over(plan: Plan | None, carry: Carry) -> bool:
    """True if ``plan`` (of an rmap alike another, see ``RmapProgram.carried_from``) is the other's plan too."""
    if plan is None:
        return False
    found = carry._plans.get(id(plan))
    if found is None or found[0] is not plan:
        found = carry._plans[id(plan)] = (plan, _plan_carries_over(plan, carry))
    return found[1]


def _plan_carries_over(plan: Plan, carry: Carry) -> bool:
    if isinstance(plan, Constant):  # the gate, a hook's or parkey_relevance's failure: the header's rules only
        return True
    return _chain_carries_over(plan, carry) and (plan.fallback is None or _chain_carries_over(plan.fallback, carry))


def _chain_carries_over(chain: Chain, carry: Carry) -> bool:
    if chain.abort is not None:  # the fallback hook failed: the header's rules only
        return True
    if not carry.same.issuperset(chain.touched):
        return False
    if not carry.added and carry.same_checks:
        return True  # no key added, same checks: same scores, same groups up to the last step
    if chain.basis is None:
        return False
    if chain.steps and chain.steps[0][0] == "error" and not chain.touched:  # failed the parameter checks
        return carry.same_checks
    # The old checks passed: the new pass too when wider; then the chain is the same unless an added key
    # survives at a weight the old steps reached (or at any weight, when they ran out of groups).
    return carry.wider_checks and not _added_survivors(chain, carry)


def _added_survivors(chain: Chain, carry: Carry) -> bool:
    """True if a key the new rmap adds matches the chain's parameter values at or before its last group."""
    found = carry._joins.get(chain.basis)
    if found is None:
        values, last_weight, stopped = chain.basis
        selector, added = carry.selector, list(carry.added)
        scores = np.vstack([selector._statuses(i, "UNDEFINED" if value is _ABSENT else value)[added]
                            for i, value in enumerate(values)])
        alive = (scores != -1).all(axis=0)
        if stopped and last_weight is not None:
            alive &= -scores.sum(axis=0) <= last_weight
        found = carry._joins[chain.basis] = bool(alive.any())
    return found


def carried_selections(old: RmapProgram, new: RmapProgram) -> Carry | None:
    """How ``old``'s plans carry over to ``new`` if both run the same rules apart from the Match table, else None."""
    if not (old.vectorized and new.vectorized):
        return None  # non-vectorized plans are whole lookups: they depend on every choice
    same_program = (old.key_columns == new.key_columns and old.date_columns == new.date_columns
                    and old.reducible == new.reducible and old.date_feature == new.date_feature
                    and old.date_thresholds == new.date_thresholds)
    a, b = old.rmap, new.rmap
    headers = [{k: v for k, v in rmap.raw_header.items() if k not in _IDENTITY_KEYS} for rmap in (a, b)]
    if not same_program or headers[0] != headers[1]:
        return None
    if not (type(a.selector) is MatchSelector and type(b.selector) is MatchSelector):
        return None
    if a.selector.parameters != b.selector.parameters:
        return None
    old_keys = [key for key, _ in a.selector.selections]
    new_index = {key: i for i, (key, _) in enumerate(b.selector.selections)}
    same_keys = old_keys == [key for key, _ in b.selector.selections]
    if not same_keys and old.reducible:
        return None  # value classes follow the keys: a class of the old rmap may split in the new
    same = frozenset(i for i, (key, choice) in enumerate(a.selector.selections)
                     if key in new_index and _same_choice(choice, b.selector.selections[new_index[key]][1]))
    added = tuple(sorted(set(new_index.values()) - {new_index[key] for key in old_keys if key in new_index}))
    same_checks = a.selector.parkey_map == b.selector.parkey_map
    if same_keys and not same_checks:
        return None
    wider = same_checks or all(_wider_check(a.selector.parkey_map[name], b.selector.parkey_map[name])
                               for name in a.selector.parameters)
    return Carry(same, b.selector, added, same_checks, wider)


def _wider_check(old: list, new: list) -> bool:
    """True if ``Selector.validate_value`` accepts with ``new`` valid values whatever it accepts with ``old``.

    Acceptance grows with the list, except for an empty list (no check, but ``check_defined`` then
    requires the parameter) and a single ``low:high`` range (a rule of its own).
    """
    if old == new:
        return True
    def ranged(valid: list) -> bool:
        return len(valid) == 1 and ":" in str(valid[0])
    return bool(old) and bool(new) and not ranged(old) and not ranged(new) and set(new) >= set(old)


def _same_choice(x: Any, y: Any) -> bool:
    """Equal Match choices: the same terminal, or UseAfter tables with the same dates and terminals."""
    if isinstance(x, Selector) or isinstance(y, Selector):
        if not (type(x) is UseAfterSelector and type(y) is UseAfterSelector and x.parameters == y.parameters):
            return False
        if len(x.selections) != len(y.selections):
            return False
        return all(kx == ky and not isinstance(cx, Selector) and not isinstance(cy, Selector)
                   and type(cx) is type(cy) and cx == cy
                   for (kx, cx), (ky, cy) in zip(x.selections, y.selections))
    return type(x) is type(y) and x == y
