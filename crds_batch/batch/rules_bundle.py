"""Rules that travel to each Dask worker once.

The client reads the text of every mapping the job needs (the closures of
both contexts) into a :class:`RulesBundle`, scatters it to every worker with
``broadcast=True``, and each worker process writes the files once into a
private mapping directory (removed when the process ends) and loads the
contexts from there. Workers thus
need no CRDS cache of their own, and no task carries rules. The bundle also
carries the parses the client already made of those texts (planning parsed
them): a worker remembers them instead of parsing the texts again (unpickling
them is ~25x faster than parsing).
"""
from __future__ import annotations

import hashlib
import multiprocessing.util
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass

from ..cache import directories_of, locate_near
from ..rules.parsing import ParsedMapping, remember_parses, remembered_parses


@dataclass(frozen=True)
class RulesBundle:
    """Mapping texts by file name, with a digest naming the bundle, and the client's parses of them."""

    files: tuple[tuple[str, str], ...]
    digest: str
    #: The parses of (some of) ``files`` made by the client, each of its file's text under its file's name.
    parsed: tuple[ParsedMapping, ...] = ()

    @classmethod
    def from_names(cls, names) -> RulesBundle:
        """Read the mappings ``names``: paths as given, plain names beside those paths when there, else the cache.

        Files are keyed by base name, so a context given as a path loads on workers as its base name.
        """
        names = set(names)
        near = directories_of(*names)
        texts: dict[str, str] = {}
        for name in sorted(names, key=lambda n: (not os.path.dirname(n), n)):  # paths first
            base = os.path.basename(name)
            if base not in texts:
                with open(name if os.path.dirname(name) else locate_near(name, near), encoding="utf-8") as handle:
                    texts[base] = handle.read()
        parsed = remembered_parses(texts.items())
        texts.update((mapping.name, mapping.text) for mapping in parsed)  # the same text, pickled once
        files = sorted(texts.items())
        digest = hashlib.sha1("\0".join(f"{n}\0{t}" for n, t in files).encode("utf-8")).hexdigest()
        return cls(tuple(files), digest, tuple(parsed))

    def __len__(self) -> int:
        return len(self.files)

    def __dask_tokenize__(self) -> str:
        """Dask's name of the bundle (scatter hashes its data): the digest, not a walk over every parse."""
        return self.digest


_installed: dict[str, str] = {}
_install_lock = threading.Lock()


def install(bundle: RulesBundle) -> str:
    """Write the bundle's files into this process's rules directory (once); return the directory."""
    found = _installed.get(bundle.digest)
    if found:
        return found
    with _install_lock:
        found = _installed.get(bundle.digest)
        if found:
            return found
        directory = tempfile.mkdtemp(prefix=f"crds-batch-rules-{bundle.digest[:12]}-")
        # Removed when this process ends: at interpreter exit, or, in a Dask worker process
        # (a multiprocessing child, which skips atexit), when its bootstrap finishes.
        multiprocessing.util.Finalize(None, shutil.rmtree, args=(directory,), kwargs={"ignore_errors": True},
                                      exitpriority=10)
        for name, text in bundle.files:
            temp = os.path.join(directory, f".{name}.tmp")
            with open(temp, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temp, os.path.join(directory, name))
        remember_parses(bundle.parsed)
        _installed[bundle.digest] = directory
        return directory


def load_from_bundle(bundle: RulesBundle, context: str):
    """Load ``context`` from the bundle's files on this worker (parsed once per process)."""
    from ..rules.loading import load_mapping

    return load_mapping(os.path.join(install(bundle), os.path.basename(context)))
