"""The server's state: the cache view, the parameter store, limits, pushed remote contexts."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..cache.server_config import resolve_context
from ..errors import CrdsBatchError
from ..rules.loading import load_mapping
from .cache_view import DEFAULT_MAX_PER_RPC, CacheView
from .jsonrpc import InvalidParamsError, OtherError

if TYPE_CHECKING:
    from .reprocessing import Reprocessor

#: Largest JSON-RPC request body read (bytes); 1000 full headers are well under 4 MiB.
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024


@dataclass
class ServerState:
    """Everything a request handler needs; shared by all requests (methods run in worker threads)."""

    view: CacheView
    store_path: str | None = None
    affected_results: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    remote_contexts: dict[tuple[str, str], str] = field(default_factory=dict)
    #: The reprocessing service (``--reprocess``), else None.
    reprocessor: Reprocessor | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def observatory(self) -> str:
        return self.view.observatory

    def operational_context(self) -> str:
        """The context this server says is operational: the cache config's latest (else operational) one."""
        config = self.view.server_config()
        context = config.latest_context or config.operational_context
        if not context:
            raise OtherError(f"The cache's config/{self.observatory}/server_config names no operational context")
        return context

    def max_per_rpc(self, key: str) -> int:
        value = self.view.server_config().raw.get(key, DEFAULT_MAX_PER_RPC)
        return value if isinstance(value, int) and value > 0 else DEFAULT_MAX_PER_RPC

    def check_observatory(self, observatory: str | None) -> str:
        """The served observatory; asking for another one is an error (one observatory per server, as CRDS)."""
        if observatory is None:
            return self.observatory
        if not isinstance(observatory, str):
            raise InvalidParamsError(f"observatory must be a string, not {type(observatory).__name__}")
        if observatory.lower() != self.observatory:
            raise OtherError(f"This server serves {self.observatory!r}, not {observatory!r}")
        return self.observatory

    def context_path(self, context: object) -> str:
        """Path of a context named by a client (mapping name or symbolic name) in the served cache."""
        if not isinstance(context, str) or not context:
            raise InvalidParamsError(f"context must be a mapping name, not {context!r}")
        name = os.path.basename(context)
        try:
            if not name.endswith((".pmap", ".imap", ".rmap")):
                name = resolve_context(name, self.observatory, self.view.env)
        except CrdsBatchError as exc:
            raise OtherError(str(exc)) from None
        path = self.view.locate_mapping(name)
        if path is None:
            raise OtherError(f"Unknown {self.observatory} mapping {name!r}")
        return path

    def load_context(self, context: object):
        """The loaded mapping a client named (errors in its text are one-line errors)."""
        path = self.context_path(context)
        try:
            return load_mapping(path)
        except CrdsBatchError as exc:
            raise OtherError(str(exc)) from None
