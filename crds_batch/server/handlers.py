"""HTTP handlers other than downloads: JSON-RPC and health; errors as one plain line, never a page."""
from __future__ import annotations

import functools
import json
import logging
import traceback
from concurrent.futures import Executor
from typing import Any

import tornado.web
from tornado.ioloop import IOLoop

from ..errors import CrdsBatchError
from . import jsonrpc
from .methods import METHODS, Call
from .state import ServerState

log = logging.getLogger("crds_batch.server")


class PlainErrorsMixin:
    """HTTP errors (404, 405...) as one ``text/plain`` line; tracebacks stay in the server log."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.clear_header("Content-Range")
        self.finish(f"{status_code}: {self._reason}\n")


class HealthHandler(PlainErrorsMixin, tornado.web.RequestHandler):
    def initialize(self, state: ServerState) -> None:
        self.state = state

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"status": "ok", "observatory": self.state.observatory,
                                "store": self.state.store_path is not None}))


@tornado.web.stream_request_body
class JsonRpcHandler(PlainErrorsMixin, tornado.web.RequestHandler):
    """POST ``/json/`` (or ``/json/<method>/<id>/``): one JSON-RPC 1.0 call, answered with HTTP 200 and
    an envelope, success or error. Bodies past the limit are counted but not kept."""

    def initialize(self, state: ServerState, executor: Executor) -> None:
        self.state = state
        self.executor = executor
        self.rpc_method = "-"
        self._chunks: list[bytes] = []
        self._size = 0

    def prepare(self) -> None:
        self.request.connection.set_max_body_size(4 * self.state.max_body_bytes)

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= self.state.max_body_bytes:
            self._chunks.append(chunk)
        else:
            self._chunks = []

    async def post(self, *_log_segments: str) -> None:
        body = b"".join(self._chunks)
        try:
            if self._size > self.state.max_body_bytes:
                raise jsonrpc.RequestTooLargeError(
                    f"request body of {self._size} bytes is larger than {self.state.max_body_bytes}")
            request = jsonrpc.parse_request(body)
        except jsonrpc.RpcError as exc:
            self._reply(jsonrpc.failure(jsonrpc.request_id_of(body) if body else None, exc))
            return
        self.rpc_method = request.method
        self._reply(await self._dispatch(request))

    async def _dispatch(self, request: jsonrpc.RpcRequest) -> dict:
        try:
            method = METHODS.get(request.method)
            if method is None:
                raise jsonrpc.MethodNotFoundError(f"method {request.method!r} is not served")
            call = Call(self.state, f"{self.request.protocol}://{self.request.host}")
            bound = jsonrpc.bind_arguments(method, request, call)
            result = await IOLoop.current().run_in_executor(
                self.executor, functools.partial(method, *bound.args, **bound.kwargs))
            return jsonrpc.success(request.id, result)
        except jsonrpc.RpcError as exc:
            return jsonrpc.failure(request.id, exc)
        except CrdsBatchError as exc:
            return jsonrpc.failure(request.id, jsonrpc.OtherError(str(exc)))
        except Exception as exc:  # a bug or an unforeseen input: logged here, one line to the caller
            log.error("%s failed:\n%s", request.method, traceback.format_exc())
            return jsonrpc.failure(request.id, jsonrpc.OtherError(f"{type(exc).__name__}: {exc}"))

    def _reply(self, envelope: dict) -> None:
        self.set_header("Content-Type", "application/json")
        try:
            self.finish(jsonrpc.dumps(envelope))
        except (TypeError, ValueError) as exc:  # a result JSON cannot carry
            error = jsonrpc.OtherError(f"result cannot be sent as JSON: {exc}")
            self.finish(jsonrpc.dumps(jsonrpc.failure(envelope.get("id"), error)))
