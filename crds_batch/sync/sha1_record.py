"""A persistent record of (size, mtime, sha1) per cached file, so re-checking an unchanged cache is fast.

Kept in ``config/<obs>/crds-batch.sha1sums.json`` (``{absolute path:
[size, mtime_ns, sha1]}``), written temp + fsync +
rename. A file whose size or modification time changed is hashed again; the
record is a cache of our own hashing, never of what the server says.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import threading
from collections.abc import Iterable

from ..files.atomic import write_atomically
from .progress import Report, TransferProgress

RECORD_NAME = "crds-batch.sha1sums.json"
_BLOCK = 1 << 20


def file_sha1(path: str) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


class Sha1Record:
    def __init__(self, path: str | None):
        self.path = path
        self._entries: dict[str, list] = {}
        self._lock = threading.Lock()
        self.changed = False
        if path and os.path.exists(path):
            try:
                with open(path) as handle:
                    loaded = json.load(handle)
                if isinstance(loaded, dict):
                    self._entries = loaded
            except (OSError, ValueError):
                self._entries = {}  # an unreadable record is only a slower check

    def known(self, path: str) -> str | None:
        """The recorded sha1 of ``path`` if its size and mtime are as recorded."""
        try:
            status = os.stat(path)
        except OSError:
            return None
        entry = self._entries.get(os.path.abspath(path))
        if entry and entry[0] == status.st_size and entry[1] == status.st_mtime_ns:
            return entry[2]
        return None

    def sha1(self, path: str) -> tuple[str, bool]:
        """``(sha1 of path, hashed now)``: from the record when unchanged, else computed and recorded."""
        known = self.known(path)
        if known:
            return known, False
        status = os.stat(path)
        value = file_sha1(path)
        with self._lock:
            self._entries[os.path.abspath(path)] = [status.st_size, status.st_mtime_ns, value]
            self.changed = True
        return value, True

    def hash_all(self, paths: Iterable[str], parallel: int, report: Report | None = None) -> dict[str, str]:
        """``{path: sha1}`` for the existing ``paths``, hashed ``parallel`` at a time."""
        paths = [p for p in paths if os.path.isfile(p)]
        sizes = {p: os.path.getsize(p) for p in paths}
        progress = TransferProgress("Hashing", len(paths), sum(sizes.values()), report)
        result: dict[str, str] = {}

        def one(path: str) -> tuple[str, str]:
            value, hashed = self.sha1(path)
            progress.add(1, sizes[path] if hashed else 0)
            return path, value

        with concurrent.futures.ThreadPoolExecutor(max(1, parallel), thread_name_prefix="crds-sha1") as pool:
            for path, value in pool.map(one, paths):
                result[path] = value
        return result

    def forget_missing(self) -> None:
        for path in [p for p in self._entries if not os.path.exists(p)]:
            del self._entries[path]
            self.changed = True

    def save(self) -> None:
        if not self.path or not self.changed:
            return
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with write_atomically(self.path) as out:
            out.write(json.dumps(self._entries, sort_keys=True).encode())
        self.changed = False
