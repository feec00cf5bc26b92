"""Best references computed by the server equal crds's own, offline and through the real client."""
from __future__ import annotations

import json

import pytest

from crds_batch.synth.generate import generate
from crds_batch.synth.writer import frame_params
from tests.oracle import ERROR_KEY, crds_bestrefs

from .conftest import HST_CONTEXT
from .servers import rpc, run_crds_python, serving

JWST_CONTEXT = "jwst_0541.pmap"


def _as_json(value):
    return json.loads(json.dumps(value))


def _server_answers(server, context, headers):
    answers = {}
    for dataset_id, header in headers.items():
        envelope = rpc(server, "get_best_references", context, header)
        if envelope["error"]:
            answers[dataset_id] = {ERROR_KEY: envelope["error"]["message"]}
        else:
            answers[dataset_id] = envelope["result"]
    return answers


def _compare(server, context, observatory, headers):
    expected = _as_json(crds_bestrefs(headers, context, observatory))
    got = _server_answers(server, context, headers)
    assert {i: ERROR_KEY in r for i, r in got.items()} == {i: ERROR_KEY in r for i, r in expected.items()}
    answered = {i: r for i, r in got.items() if ERROR_KEY not in r}
    assert answered == {i: r for i, r in expected.items() if ERROR_KEY not in r}
    assert len(answered) >= len(headers) // 2
    return got


def test_hst_get_best_references_equal_crds(hst_server, hst_save):
    _, params = hst_save
    headers = dict(sorted(params.items())[::3])
    got = _compare(hst_server, HST_CONTEXT, "hst", headers)
    by_map = rpc(hst_server, "get_best_references_by_header_map", HST_CONTEXT, headers)["result"]
    assert {i: r for i, r in by_map.items() if isinstance(r, dict)} == \
        {i: r for i, r in got.items() if ERROR_KEY not in r}
    assert all(r.startswith("NOT FOUND ") for r in by_map.values() if not isinstance(r, dict))
    by_ids = rpc(hst_server, "get_best_references_by_ids", HST_CONTEXT, sorted(headers) + ["NOPE123"])["result"]
    assert by_ids == {**by_map, "NOPE123:NOPE123": "NOT FOUND no match found in query"}


@pytest.fixture(scope="module")
def jwst_server():
    with serving("--observatory", "jwst") as server:
        yield server


def test_jwst_get_best_references_equal_crds(jwst_server):
    frames = generate(JWST_CONTEXT, 40, seed=5)
    headers = {}
    for frame in frames:
        headers.update(frame_params(frame))
    _compare(jwst_server, JWST_CONTEXT, "jwst", headers)


def test_real_client_in_remote_mode_uses_the_server(hst_server, hst_save, tmp_path):
    """CRDS_MODE=remote: crds.getrecommendations asks the server (get_best_references) instead of computing."""
    _, params = hst_save
    headers = dict(sorted(params.items())[:6])
    code = (
        "import json, crds\n"
        f"headers = json.loads({json.dumps(json.dumps(headers))})\n"
        "out = {}\n"
        "for key, header in headers.items():\n"
        "    try:\n"
        f"        out[key] = crds.getrecommendations(header, context={HST_CONTEXT!r}, observatory='hst')\n"
        "    except Exception as exc:\n"
        "        out[key] = {'__error__': type(exc).__name__}\n"
        "print(json.dumps(out))\n"
    )
    before = hst_server.log_text().count(" get_best_references ")
    got = run_crds_python(code, server_url=hst_server.url, crds_path=tmp_path, CRDS_MODE="remote")
    expected = _as_json(crds_bestrefs(headers, HST_CONTEXT, "hst"))
    assert got.keys() == expected.keys()
    assert {i: r for i, r in got.items() if ERROR_KEY not in r} == \
        {i: r for i, r in expected.items() if ERROR_KEY not in r}
    assert sum(ERROR_KEY not in r for r in got.values()) >= 3
    assert hst_server.log_text().count(" get_best_references ") >= before + len(headers)
