"""One client for every command that talks to a CRDS server: JSON-RPC calls and file downloads.

A ``requests.Session`` keeps connections open between calls (one pool per
client, safe to share between threads). Every try of a call or download is
bounded in time as a whole (``timeout``: connect, headers and every byte of
the body), and the tries are counted and spaced by a urllib3 ``Retry``:
``retry_count`` tries in all, the first retry after ``retry_delay`` seconds,
each later one after twice the previous wait, never more than
``MAX_BACKOFF_SECONDS``. Transport failures (refused, reset, timed out),
answers with status 5xx/429 and bodies that are truncated or not a JSON-RPC
envelope are retried; an error envelope is the server's considered answer
and is not. What is left after the last try is one line naming the server
and the method (:mod:`.errors`).
"""
from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from typing import Any

import requests
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from ..files.atomic import write_atomically
from . import envelope
from .errors import RemoteMethodError, ServerError, ServerlessError, ServerReplyError, ServerUnavailableError
from .settings import MAX_BACKOFF_SECONDS, ClientSettings

#: Statuses worth another try (the server or a proxy in front of it may recover).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Largest JSON-RPC reply read (a header chunk of 1000 datasets is a few MB).
MAX_REPLY_BYTES = 512 << 20
_CHUNK = 1 << 16
JSON_PATH = "/json/"


class RetryLater(Exception):
    """One try failed in a way another try may not (the reason is the text)."""


class Backoff(Retry):
    """urllib3's Retry with crds's delay meaning: wait ``backoff_factor * 2**(n-1)`` before retry n (capped)."""

    def get_backoff_time(self) -> float:
        tries = len(self.history)
        if tries < 1 or self.backoff_factor <= 0:
            return 0.0
        return float(min(self.backoff_max, self.backoff_factor * 2 ** (tries - 1)))


class CrdsClient:
    """Calls and downloads against the server of ``settings`` (default: from the environment)."""

    def __init__(self, settings: ClientSettings | None = None, *, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings or ClientSettings.from_env()
        self.url = self.settings.server_url
        self._sleep = sleep
        self._session = requests.Session()
        # requests' own retries are off: every try, including reading the body, is counted below.
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = "crds-batch"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> CrdsClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def serverless(self) -> bool:
        return self.settings.serverless

    # -- JSON-RPC -------------------------------------------------------------------------------

    def call(self, method: str, *params: Any) -> Any:
        """The result of ``method(*params)`` on the server (``crds_encoded`` results decoded)."""
        if self.serverless:
            raise ServerlessError(self.url or "(none)", method,
                                  "no CRDS server configured (set CRDS_SERVER_URL or give --server URL)")
        identifier = envelope.request_id()
        url = f"{self.url}{JSON_PATH}{method}/{identifier}/"
        body = envelope.request_body(method, list(params), identifier)

        def once() -> Any:
            reply = self._fetch("POST", url, data=body, headers={"Content-Type": "application/json"},
                                limit=MAX_REPLY_BYTES)
            try:
                return envelope.read_reply(reply)
            except envelope.BadReply as exc:
                raise RetryLater(str(exc)) from None

        try:
            return self._with_retries(method, url, once)
        except envelope.ErrorReply as exc:
            raise RemoteMethodError(self.url, method, str(exc)) from None

    # -- downloads ------------------------------------------------------------------------------

    def download(self, url: str, path: str, *, size: int | None = None, sha1: str | None = None) -> int:
        """Stream ``url`` into ``path`` (temp file, fsync, rename), checked against ``size``/``sha1``
        when given; a failed or mismatching try leaves ``path`` as it was. Returns the bytes written."""
        name = url.rstrip("/").rsplit("/", 1)[-1]

        def once() -> int:
            with write_atomically(path) as out:
                digest = hashlib.sha1()
                written = self._fetch("GET", url, sink=lambda block: (out.write(block), digest.update(block)))
                if size is not None and written != size:
                    raise RetryLater(f"got {written} bytes, expected {size}")
                if sha1 and sha1.lower() != "none" and digest.hexdigest() != sha1.lower():
                    raise RetryLater(f"sha1 {digest.hexdigest()} differs from the server's {sha1}")
            return written

        return self._with_retries(f"download {name}", url, once)

    # -- the two loops --------------------------------------------------------------------------

    def _with_retries(self, what: str, url: str, once: Callable[[], Any]) -> Any:
        retry = Backoff(total=self.settings.retry_count - 1, connect=None, read=None, status=None, other=None,
                        allowed_methods=None, backoff_factor=self.settings.retry_delay,
                        backoff_max=MAX_BACKOFF_SECONDS, respect_retry_after_header=False)
        while True:
            try:
                return once()
            except (RetryLater, requests.RequestException) as exc:  # a local OSError (disk full) is not retried
                reason = _reason(exc, self.settings.timeout)
                try:
                    retry = retry.increment(method=None, url=url, error=RetryLater(reason))
                except MaxRetryError:
                    tries = self.settings.retry_count
                    kind = ServerUnavailableError if _is_transport(exc) else ServerReplyError
                    raise kind(self.url, what, f"{reason} (after {tries} {'try' if tries == 1 else 'tries'})") \
                        from None
                self._sleep(retry.get_backoff_time())

    def _fetch(self, verb: str, url: str, *, data: bytes | None = None, headers: dict | None = None,
               limit: int | None = None, sink: Callable[[bytes], Any] | None = None):
        """One try: the whole body (or its length, when ``sink`` takes it), within ``timeout`` seconds."""
        timeout = self.settings.timeout
        deadline = time.monotonic() + timeout
        with self._session.request(verb, url, data=data, headers=headers, stream=True,
                                   timeout=(timeout, timeout), allow_redirects=False) as response:
            if response.status_code in RETRY_STATUSES:
                raise RetryLater(f"HTTP {response.status_code} {response.reason}")
            if response.status_code != 200:
                raise ServerError(self.url, _method_of(url), f"HTTP {response.status_code} {response.reason} "
                                  f"for {url}")
            parts: list[bytes] = []
            total = 0
            for block in response.iter_content(_CHUNK):
                total += len(block)
                if time.monotonic() > deadline:
                    raise RetryLater(f"no complete answer within {timeout:g} s (CRDS_CLIENT_TIMEOUT_SECONDS)")
                if limit is not None and total > limit:
                    raise ServerReplyError(self.url, _method_of(url), f"reply larger than {limit} bytes")
                if sink is None:
                    parts.append(block)
                else:
                    sink(block)
            if time.monotonic() > deadline:
                raise RetryLater(f"no complete answer within {timeout:g} s (CRDS_CLIENT_TIMEOUT_SECONDS)")
            return total if sink is not None else b"".join(parts)


def _method_of(url: str) -> str:
    if JSON_PATH in url:
        return url.split(JSON_PATH, 1)[1].split("/", 1)[0]
    return "GET " + url.rsplit("/", 1)[-1]


def _is_transport(exc: BaseException) -> bool:
    if isinstance(exc, RetryLater):
        return str(exc).startswith(("HTTP ", "no complete answer", "no answer"))
    return isinstance(exc, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError))


def _reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, RetryLater):
        return str(exc)
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:g} s (CRDS_CLIENT_TIMEOUT_SECONDS)"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "connection closed before the whole reply arrived"
    if isinstance(exc, requests.ConnectionError):
        text = str(exc)
        for marker in ("Connection refused", "Connection reset", "Connection aborted", "RemoteDisconnected",
                       "Name or service not known", "No route to host"):
            if marker in text:
                return f"cannot connect: {marker}" if "refused" in marker or "host" in marker.lower() \
                    or "Name" in marker else f"connection dropped: {marker}"
        return f"connection failed: {text}"
    return f"{type(exc).__name__}: {exc}"
