"""``crds-batch serve``: the tornado application, its routes, and running it."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
import functools
from dataclasses import dataclass, field

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from ..batch.cluster import ClusterOptions
from ..errors import CacheError, CrdsBatchError
from ..store import Store
from .cache_view import CacheView, cache_environment, served_observatory
from .downloads import URL_PATTERN, DownloadHandler
from .handlers import HealthHandler, JsonRpcHandler
from .reprocessing import DEFAULT_POLL_SECONDS, Reprocessor, run_affected_into
from .state import DEFAULT_MAX_BODY_BYTES, ServerState

log = logging.getLogger("crds_batch.server")

#: Threads that run JSON-RPC methods (lookups, store reads, digests) off the event loop.
METHOD_THREADS = 8


@dataclass(frozen=True)
class ServerSettings:
    cache: str | None = None
    store: str | None = None
    host: str = "127.0.0.1"
    port: int = 8888
    observatory: str | None = None
    affected_results: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Run ``affected`` into ``affected_results`` when the operational context changes.
    reprocess: bool = False
    cluster: ClusterOptions = field(default_factory=ClusterOptions)
    poll_seconds: float = DEFAULT_POLL_SECONDS


def build_state(settings: ServerSettings) -> ServerState:
    """Check the cache and store and describe what will be served (CacheError/StoreError when unusable)."""
    env = cache_environment(settings.cache)
    observatory = served_observatory(settings.observatory, env)
    view = CacheView(observatory, env)
    if not os.path.isdir(view.paths.mappings):
        raise CacheError(f"No {observatory} mappings to serve: {view.paths.mappings} is not a directory")
    if not (view.server_config().latest_context or view.server_config().operational_context):
        raise CacheError(f"{view.paths.config}/server_config names no operational context for {observatory}")
    store = None
    if settings.store:
        store = os.path.abspath(settings.store)
        Store(store)  # refuses a missing or foreign store now rather than at the first request
    affected = None
    if settings.affected_results:
        affected = os.path.abspath(settings.affected_results)
        if settings.reprocess:
            os.makedirs(affected, exist_ok=True)
        if not os.path.isdir(affected):
            raise CrdsBatchError(f"--affected-results {settings.affected_results}: not a directory")
    state = ServerState(view=view, store_path=store, affected_results=affected,
                        max_body_bytes=settings.max_body_bytes)
    if settings.reprocess:
        if store is None or affected is None:
            raise CrdsBatchError("--reprocess needs --store (the datasets) and --affected-results (where results go)")
        state.reprocessor = Reprocessor(affected, state.operational_context,
                                        functools.partial(run_affected_into, store), settings.cluster,
                                        settings.poll_seconds)
    return state


def make_app(state: ServerState, executor: ThreadPoolExecutor) -> tornado.web.Application:
    handler_args = {"state": state}
    return tornado.web.Application(
        [
            (r"/json/?", JsonRpcHandler, {**handler_args, "executor": executor}),
            (r"/json/([^/]+)/([^/]*)/?", JsonRpcHandler, {**handler_args, "executor": executor}),
            (r"/health/?", HealthHandler, handler_args),
            (URL_PATTERN, DownloadHandler, handler_args),
        ],
        log_function=log_request,
        default_handler_class=_NotFound,
        compress_response=False,
    )


class _NotFound(tornado.web.RequestHandler):
    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code}: {self._reason}\n")


def log_request(handler: tornado.web.RequestHandler) -> None:
    """One line per request: status, method, path, JSON-RPC method, bytes, milliseconds, client."""
    request = handler.request
    rpc = getattr(handler, "rpc_method", "-")
    size = handler._headers.get("Content-Length", "-")
    log.info("%d %s %s %s %s %.1fms %s", handler.get_status(), request.method, request.path, rpc, size,
             1000.0 * request.request_time(), request.remote_ip)


def run_server(settings: ServerSettings) -> int:
    """Serve until SIGINT/SIGTERM. The process's CRDS environment becomes the served cache's."""
    state = build_state(settings)
    os.environ.clear()
    os.environ.update(state.view.env)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    return asyncio.run(_serve(settings, state))


async def _serve(settings: ServerSettings, state: ServerState) -> int:
    try:
        sockets = bind_sockets(settings.port, address=settings.host)
    except OSError as exc:
        raise CrdsBatchError(f"Cannot listen on {settings.host}:{settings.port}: {exc.strerror}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    if state.reprocessor is not None:  # SIGHUP: look at the operational context now
        loop.add_signal_handler(signal.SIGHUP, functools.partial(loop.run_in_executor, None, state.reprocessor.check))
        state.reprocessor.start()
    with ThreadPoolExecutor(METHOD_THREADS, thread_name_prefix="crds-rpc") as executor:
        server = HTTPServer(make_app(state, executor), max_body_size=4 * state.max_body_bytes)
        server.add_sockets(sockets)
        host, port = sockets[0].getsockname()[:2]
        started = time.monotonic()
        threading.Thread(target=_hash_files, args=(state,), name="crds-digests", daemon=True).start()
        print(f"crds-batch serve: {state.observatory} from {state.view.paths.mappings}"
              f"{' and store ' + state.store_path if state.store_path else ''} at http://{_url_host(host)}:{port}/",
              file=sys.stderr, flush=True)
        await stop.wait()
        if state.reprocessor is not None:
            state.reprocessor.stop()
        server.stop()
        await server.close_all_connections()
        log.info("stopped after %.0fs", time.monotonic() - started)
    return 0


def _hash_files(state: ServerState) -> None:
    """Hash every served file once, so download_metadata soon carries every reference's sha1."""
    try:
        started = time.monotonic()
        count = len(state.view.facts())
        log.info("hashed %d files in %.1fs", count, time.monotonic() - started)
    except Exception as exc:  # the cache changed underneath; later requests hash what they need
        log.warning("hashing the cache stopped: %s", exc)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
