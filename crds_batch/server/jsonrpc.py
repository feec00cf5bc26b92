"""The JSON-RPC 1.0 envelope the crds client speaks.

Request (POSTed to ``/json/`` or ``/json/<method>/<id>/``, any content type;
crds's client sends urllib's form default)::

    {"jsonrpc": "1.0", "method": "get_default_context", "params": ["hst", null], "id": "x-00000001"}

Success::  ``{"jsonrpc": "1.0", "id": ID, "result": VALUE, "error": null}``
Failure::  ``{"jsonrpc": "1.0", "id": ID, "result": null,
             "error": {"name": "OtherError", "code": 500, "message": "OtherError: ...", "data": null}}``

The error names and codes are those of the django-json-rpc library CRDS's
servers use; the client shows ``message`` (HTML-unescaped) to its user and
does not retry an error envelope, so envelopes are sent with HTTP 200.
``crds_encode`` is the optional compressed form of a result the client
decodes wherever it finds it (base64 of gzip of JSON).
"""
from __future__ import annotations

import base64
import gzip
import inspect
import json
from collections.abc import Callable, Mapping
from typing import Any

JSONRPC_VERSION = "1.0"


class RpcError(Exception):
    """An error the caller gets back as an envelope; ``str(exc)`` is one line."""

    name = "OtherError"
    code = 500


class ParseError(RpcError):
    name = "ParseError"
    code = -32700


class InvalidRequestError(RpcError):
    name = "InvalidRequestError"
    code = -32600


class MethodNotFoundError(RpcError):
    name = "MethodNotFoundError"
    code = -32601


class InvalidParamsError(RpcError):
    name = "InvalidParamsError"
    code = -32602


class RequestTooLargeError(RpcError):
    name = "RequestTooLargeError"
    code = 413


class OtherError(RpcError):
    """Any failure of a method that was called correctly (unknown context, unreadable file...)."""


class RpcRequest:
    """A parsed request: ``method``, positional ``args`` or keyword ``kwargs``, and the caller's ``id``."""

    def __init__(self, method: str, args: list, kwargs: dict, request_id: Any):
        self.method = method
        self.args = args
        self.kwargs = kwargs
        self.id = request_id


def parse_request(body: bytes) -> RpcRequest:
    """Read one request body as JSON, whatever its declared content type."""
    try:
        message = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ParseError(f"request body is not UTF-8 text (byte offset {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ParseError(f"request body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ParseError("request body is nested too deeply") from None
    if not isinstance(message, dict):
        raise InvalidRequestError(f"a request is a JSON object, not {type(message).__name__}")
    request_id = message.get("id")
    method = message.get("method")
    if not isinstance(method, str) or not method:
        raise InvalidRequestError("'method' must be a non-empty string")
    params = message.get("params", [])
    if params is None:
        params = []
    if isinstance(params, list):
        return RpcRequest(method, params, {}, request_id)
    if isinstance(params, dict):
        return RpcRequest(method, [], params, request_id)
    raise InvalidRequestError(f"'params' must be a list or an object, not {type(params).__name__}")


def request_id_of(body: bytes) -> Any:
    """The ``id`` of a request body, if it can be read at all (for error replies)."""
    try:
        message = json.loads(body.decode("utf-8"))
    except Exception:
        return None
    return message.get("id") if isinstance(message, dict) else None


def bind_arguments(function: Callable, request: RpcRequest, *leading: Any) -> inspect.BoundArguments:
    """Bind the request's parameters to ``function`` (after ``leading``), or say what is wrong."""
    try:
        return inspect.signature(function).bind(*leading, *request.args, **request.kwargs)
    except TypeError as exc:
        raise InvalidParamsError(f"{request.method}: {exc}") from None


def success(request_id: Any, result: Any) -> dict:
    return {"jsonrpc": JSONRPC_VERSION, "id": request_id, "result": result, "error": None}


def failure(request_id: Any, error: RpcError) -> dict:
    message = f"{error.name}: {error}"
    return {
        "jsonrpc": JSONRPC_VERSION,
        "id": request_id,
        "result": None,
        "error": {"name": error.name, "code": error.code, "message": message, "data": None},
    }


def crds_encode(value: Any) -> dict:
    """The compressed result form crds's client decodes (``crds_encoded``/``crds_payload``)."""
    payload = base64.b64encode(gzip.compress(json.dumps(value).encode("utf-8"))).decode("ascii")
    return {"crds_encoded": "1.0", "crds_payload": payload}


def dumps(envelope: Mapping) -> bytes:
    return json.dumps(envelope, separators=(",", ":")).encode("utf-8")
