"""The table of JSON-RPC methods: each is a function ``f(call, *params)`` registered by name."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..state import ServerState

METHODS: dict[str, Callable] = {}


@dataclass(frozen=True)
class Call:
    """What a method sees of its request: the server state and the URL clients reach this server at."""

    state: ServerState
    base_url: str


def rpc_method(function: Callable) -> Callable:
    """Register ``function`` under its own name."""
    METHODS[function.__name__] = function
    return function
