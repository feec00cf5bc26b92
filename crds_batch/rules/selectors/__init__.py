"""Selector classes and the builder turning a parsed rmap selector into a selector tree."""
from __future__ import annotations

from typing import Any

from ..errors import SelectorStructureError
from ..parsing import SelectorCall
from .base import RmapSettings, Selector
from .match import MatchSelector
from .numeric import BracketSelector, GeometricallyNearestSelector, SelectVersionSelector
from .useafter import ClosestTimeSelector, UseAfterSelector, VersionAfterSelector

SELECTOR_CLASSES: dict[str, type[Selector]] = {
    "Match": MatchSelector,
    "UseAfter": UseAfterSelector,
    "VersionAfter": VersionAfterSelector,
    "SelectVersion": SelectVersionSelector,
    "ClosestTime": ClosestTimeSelector,
    "GeometricallyNearest": GeometricallyNearestSelector,
    "Bracket": BracketSelector,
}

__all__ = ["RmapSettings", "SELECTOR_CLASSES", "Selector", "build_selector", "MatchSelector", "UseAfterSelector"]


def build_selector(call: SelectorCall, parkeys: tuple, settings: RmapSettings) -> Selector:
    """Instantiate ``call`` with one parkey level per nesting depth, as crds does."""
    if not isinstance(parkeys, (tuple, list)) or not parkeys:
        raise SelectorStructureError(f"{settings.name}: 'parkey' has fewer levels than the selector nesting")
    # A Python dict literal keeps the last value of a repeated key (at the first key's position).
    raw: dict[Any, Any] = {}
    for key, value in call.table:
        if isinstance(value, SelectorCall):
            value = build_selector(value, tuple(parkeys[1:]), settings)
        raw[key] = value
    try:
        return SELECTOR_CLASSES[call.name](parkeys[0], list(raw.items()), settings)
    except (TypeError, ValueError, AssertionError) as exc:
        raise SelectorStructureError(f"{settings.name}: bad {call.name} selector: {exc}") from None
