"""Errors of talking to a CRDS server: each one line naming the server and the method (exit status 3)."""
from __future__ import annotations

from ..errors import CrdsBatchError


class ServerError(CrdsBatchError):
    """Base of every failure to get an answer from a CRDS server."""

    def __init__(self, server: str, method: str, reason: str):
        self.server = server
        self.method = method
        self.reason = " ".join(str(reason).split())
        super().__init__(f"CRDS server {server}: {method}: {self.reason}")


class ServerUnavailableError(ServerError):
    """The server could not be reached or did not answer in time, after every try."""


class ServerReplyError(ServerError):
    """The server answered, but not with a JSON-RPC envelope or a whole file (after every try)."""


class RemoteMethodError(ServerError):
    """The server answered with an error envelope (not retried: it would answer the same)."""


class ServerlessError(ServerError):
    """No server is configured (no CRDS_SERVER_URL, or one naming "serverless") and the job needs one."""
