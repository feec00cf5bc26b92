"""The JSON-RPC 1.0 envelope as the crds client sends and reads it (see ../shared/crds-protocol.md)."""
from __future__ import annotations

import base64
import binascii
import gzip
import html
import itertools
import json
import os
import uuid
from typing import Any

_PROCESS = uuid.uuid4().hex[:12]
_NUMBERS = itertools.count(1)


class BadReply(Exception):
    """A reply that is not a JSON-RPC envelope (garbage, HTML page, truncated JSON)."""


class ErrorReply(Exception):
    """An error envelope; ``str()`` is the server's message, HTML-unescaped."""


def request_id() -> str:
    """``crds-batch-<process>-<n>``: unique per call, visible in the URL path for the server's log."""
    return f"crds-batch-{_PROCESS}-{os.getpid()}-{next(_NUMBERS):08x}"


def request_body(method: str, params: list, identifier: str) -> bytes:
    return json.dumps({"jsonrpc": "1.0", "method": method, "params": params, "id": identifier}).encode("utf-8")


def read_reply(body: bytes) -> Any:
    """The result in ``body``, decoded if ``crds_encoded``; :class:`ErrorReply` or :class:`BadReply` otherwise."""
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BadReply(f"reply is not JSON ({_what(exc)}; {len(body)} bytes starting {body[:40]!r})") from None
    if not isinstance(message, dict) or "result" not in message and "error" not in message:
        raise BadReply(f"reply is JSON but not a JSON-RPC envelope (starting {body[:40]!r})")
    error = message.get("error")
    if error:
        text = error.get("message") if isinstance(error, dict) else error
        raise ErrorReply(html.unescape(str(text)))
    return crds_decode(message.get("result"))


def crds_decode(value: Any) -> Any:
    """``{"crds_encoded": "1.0", "crds_payload": base64(gzip(json))}`` decoded; anything else unchanged."""
    if not (isinstance(value, dict) and "crds_encoded" in value):
        return value
    try:
        return json.loads(gzip.decompress(base64.b64decode(value["crds_payload"], validate=True)).decode("utf-8"))
    except (KeyError, TypeError, ValueError, OSError, EOFError, binascii.Error) as exc:
        raise BadReply(f"crds_encoded result cannot be decoded ({_what(exc)})") from None


def _what(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
