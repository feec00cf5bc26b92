"""Bad requests get an error envelope (or a one-line 4xx), never a traceback page; the server keeps serving."""
from __future__ import annotations

import json

import pytest

from .conftest import HST_CONTEXT
from .servers import http_request, rpc


def _post(server, body: bytes, path: str = "/json/") -> tuple[int, dict]:
    status, headers, data = http_request(server, "POST", path, body,
                                         {"Content-Type": "application/x-www-form-urlencoded"})
    assert b"Traceback" not in data
    assert headers["content-type"] == "application/json"
    return status, json.loads(data)


def _error(envelope: dict) -> tuple[str, str]:
    assert envelope["result"] is None and envelope["jsonrpc"] == "1.0"
    error = envelope["error"]
    assert error["message"].startswith(error["name"] + ": ") and "\n" not in error["message"]
    return error["name"], error["message"]


@pytest.mark.parametrize(("body", "name"), [
    (b"{not json", "ParseError"),
    (b"\xff\xfe\x00", "ParseError"),
    (b"", "ParseError"),
    (b"[" * 200_000 + b"]" * 200_000, "ParseError"),
    (b'["get_server_info"]', "InvalidRequestError"),
    (b'{"params": [], "id": 1}', "InvalidRequestError"),
    (b'{"method": "get_server_info", "params": "hst", "id": 1}', "InvalidRequestError"),
    (b'{"method": "no_such_method", "params": [], "id": 1}', "MethodNotFoundError"),
])
def test_unreadable_requests(hst_server, body, name):
    status, envelope = _post(hst_server, body)
    assert status == 200
    assert _error(envelope)[0] == name


@pytest.mark.parametrize(("method", "params", "name", "text"), [
    ("get_mapping_names", [3], "InvalidParamsError", "context must be a mapping name"),
    ("get_mapping_names", [], "InvalidParamsError", "missing a required argument"),
    ("get_default_context", ["hst", None, "extra"], "InvalidParamsError", "too many positional arguments"),
    ("get_mapping_names", ["hst_9999.pmap"], "OtherError", "Unknown hst mapping 'hst_9999.pmap'"),
    ("get_mapping_names", ["../../../etc/passwd.pmap"], "OtherError", "Unknown hst mapping 'passwd.pmap'"),
    ("get_default_context", ["jwst", None], "OtherError", "This server serves 'hst', not 'jwst'"),
    ("get_default_context", [["hst"], None], "InvalidParamsError", "observatory must be a string"),
    ("get_dataset_headers_by_id", [HST_CONTEXT, "LA9K03C3Q"], "InvalidParamsError", "must be a list of strings"),
    ("get_dataset_headers_by_id", [HST_CONTEXT, [1, 2]], "InvalidParamsError", "must be a list of strings"),
    ("get_dataset_headers_by_id", [HST_CONTEXT, ["X"] * 1001], "InvalidParamsError", "more than the 1000"),
    ("get_dataset_headers_by_id", [HST_CONTEXT, ["X"], "yesterday"], "InvalidParamsError", "cannot read date"),
    ("get_dataset_ids", [HST_CONTEXT, "nircam"], "OtherError", "Unknown instrument 'nircam'"),
    ("get_best_references", [HST_CONTEXT, ["INSTRUME", "ACS"]], "InvalidParamsError", "must be an object"),
    ("get_best_references", [HST_CONTEXT, {"INSTRUME": {"a": 1}}], "InvalidParamsError", "must be a string"),
    ("get_best_references", [HST_CONTEXT, {"INSTRUME": "ACS"}, "darkfile"], "InvalidParamsError",
     "reftypes must be a list"),
    ("get_file_info_map", ["hst", "hst_0729.pmap"], "InvalidParamsError", "files must be a list"),
    ("get_context_by_date", ["hst-1980-01-01T00:00:00", "hst"], "OtherError", "No context was in use"),
    ("get_build_context", ["hst", "1.2.3"], "OtherError", "No build context"),
])
def test_bad_parameters(hst_server, method, params, name, text):
    envelope = rpc(hst_server, method, *params, request_id=f"id-{method}")
    assert envelope["id"] == f"id-{method}"
    got_name, message = _error(envelope)
    assert (got_name, text in message) == (name, True), message


def test_body_larger_than_the_limit(hst_server):
    status, envelope = _post(hst_server, b'{"method": "get_server_info", "params": [], "id": 1, "pad": "'
                             + b"x" * (17 * 1024 * 1024) + b'"}')
    assert status == 200 and _error(envelope)[0] == "RequestTooLargeError"


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/json/", 405),
    ("PUT", "/json/", 405),
    ("GET", "/no/such/page", 404),
    ("POST", "/health", 405),
])
def test_wrong_http_requests_are_one_plain_line(hst_server, method, path, status):
    got, headers, data = http_request(hst_server, method, path, b"" if method != "GET" else None)
    assert got == status
    assert headers["content-type"].startswith("text/plain") and data.decode().count("\n") == 1


def test_still_serving_and_one_log_line_per_request(hst_server):
    from .servers import wait_for

    paths = [f"/json/get_default_context/log-check-{n}/" for n in range(3)]
    for path in paths:
        assert rpc(hst_server, "get_default_context", "hst", None, path=path)["result"] == HST_CONTEXT

    def logged():
        return [line for line in list(hst_server.lines) if "/log-check-" in line]

    assert wait_for(lambda: len(logged()) >= 3)
    lines = logged()
    assert len(lines) == 3
    assert [line.split()[3:7] for line in lines] == [["200", "POST", path, "get_default_context"] for path in paths]
