"""A reader finishes on the generation it opened, however many ingests follow; then the generation goes.

Readers and ingests run in separate processes, as they do in use.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from crds_batch.store import Store, export, ingest
from crds_batch.store import schema as S

from .conftest import acs, write_lines

#: Opens the store, says so, waits for the go file, then exports what it opened.
READER = """
import os, sys, time
from crds_batch.store import Store, export
store_dir, opened, go, out = sys.argv[1:]
store = Store(store_dir)
with open(opened + ".tmp", "w") as handle:
    handle.write(store.manifest["generation"])
os.replace(opened + ".tmp", opened)  # whole when it appears
deadline = time.monotonic() + 120
while not os.path.exists(go):
    assert time.monotonic() < deadline, "never told to go"
    time.sleep(0.02)
print(export(store, out))
"""

#: Opens the store and exports it again and again until the deadline; any failure ends it with a traceback.
LOOPING_READER = """
import sys, time
from crds_batch.store import Store, export
store_dir, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
deadline, rounds = time.monotonic() + seconds, 0
while time.monotonic() < deadline:
    with Store(store_dir) as store:
        count = export(store, out)
        assert count == len(store), (count, len(store))
    rounds += 1
print(rounds)
"""


def _generations(store_dir):
    return sorted(n for n in os.listdir(store_dir) if n.startswith(S.GENERATION_PREFIX))


def _wait_for(path, proc, seconds=120):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def _saves(tmp_path, count):
    return [write_lines(tmp_path / f"s{n}.json", [acs(i) for i in range(n * 10, n * 10 + 10)]) for n in range(count)]


def test_reader_outlives_back_to_back_ingests(tmp_path):
    store_dir = str(tmp_path / "store")
    first, second, third, fourth = _saves(tmp_path, 4)
    ingest([first], store_dir)
    opened, go, out = tmp_path / "opened", tmp_path / "go", tmp_path / "out.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, store_dir, str(opened), str(go), str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(opened, reader)
        held = opened.read_text()
        ingest([second], store_dir)
        ingest([third], store_dir)  # two quick ingests: the reader's generation is two behind
        assert held in _generations(store_dir)
        go.touch()
        stdout, stderr = reader.communicate(timeout=120)
    finally:
        reader.kill()
    assert reader.returncode == 0, stderr
    assert stdout.strip() == "10"  # what it opened, not what is live now
    assert [json.loads(line).popitem()[0] for line in out.read_text().splitlines()] == \
        [f"J{i:07d}Q:J{i:07d}Q" for i in range(10)]
    # The reader is gone: the next ingest removes every generation but the live one.
    ingest([fourth], store_dir)
    live = Store(store_dir)
    assert _generations(store_dir) == [live.manifest["generation"]] and len(live) == 40


def test_killed_reader_holds_nothing(tmp_path):
    store_dir = str(tmp_path / "store")
    first, second = _saves(tmp_path, 2)
    ingest([first], store_dir)
    opened, go = tmp_path / "opened", tmp_path / "go"
    reader = subprocess.Popen([sys.executable, "-c", READER, store_dir, str(opened), str(go), "unused.json"])
    try:
        _wait_for(opened, reader)
    finally:
        reader.send_signal(signal.SIGKILL)
        reader.wait(timeout=60)
    ingest([second], store_dir)
    assert len(_generations(store_dir)) == 1


def test_closed_store_lets_its_generation_go(tmp_path):
    store_dir = str(tmp_path / "store")
    first, second, third = _saves(tmp_path, 3)
    ingest([first], store_dir)
    with Store(store_dir) as store:
        ingest([second], store_dir)
        ingest([third], store_dir)
        assert len(_generations(store_dir)) == 2  # the held one and the live one
        assert export(store, str(tmp_path / "out.json")) == 10
    ingest([first], store_dir)
    assert len(_generations(store_dir)) == 1


def test_readers_and_ingests_racing(tmp_path):
    """Readers opening and exporting in a loop while ingests follow each other: no reader ever fails."""
    store_dir = str(tmp_path / "store")
    saves = _saves(tmp_path, 2)
    ingest([saves[0]], store_dir)
    seconds = 4.0
    readers = [subprocess.Popen([sys.executable, "-c", LOOPING_READER, store_dir, str(tmp_path / f"r{n}.json"),
                                 str(seconds)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for n in range(2)]
    try:
        ingests = 0
        deadline = time.monotonic() + seconds + 60
        while any(r.poll() is None for r in readers):
            assert time.monotonic() < deadline, "readers did not finish"
            ingest([saves[ingests % 2]], store_dir, workers=1)
            ingests += 1
        outcomes = [r.communicate(timeout=60) for r in readers]
    finally:
        for r in readers:
            r.kill()
    for r, (stdout, stderr) in zip(readers, outcomes):
        assert r.returncode == 0, stderr
        assert int(stdout) > 0
    assert ingests >= 2
    ingest([saves[0]], store_dir, workers=1)
    assert len(_generations(store_dir)) == 1
