"""``crds uses``: which mappings of the cache refer to some files, and which datasets last used a reference.

crds loads every mapping of the cache and asks each one, per file. Here one
pass over the cache's mappings builds the reverse index (reference -> rmaps,
rmap -> imaps, imap -> pmaps), each mapping parsed once and rmaps read only for
their leaves; every file asked about is then a few dictionary lookups.
"""
from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import CrdsBatchError
from ..rules.parsing import SelectorCall
from .contexts import cached_mappings
from .mapping_tree import is_special, load_parsed, terminal_files


@dataclass
class UsesIndex:
    """Who names whom in one observatory's cache."""

    users: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: mappings that could not be read (crds logs "Failed loading" for each and counts an error)
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of_cache(cls, observatory: str) -> UsesIndex:
        index = cls()
        for name in cached_mappings(observatory):
            try:
                parsed = load_parsed(name)
            except CrdsBatchError as exc:
                index.unreadable.append((name, str(exc)))
                continue
            if isinstance(parsed.selector, SelectorCall):
                named = terminal_files(parsed.selector)
            else:
                named = {os.path.basename(value) for value in parsed.selector.values()
                         if isinstance(value, str) and not is_special(value)}
            for child in named:
                index.users[child].add(name)
        return index

    def uses(self, filename: str) -> list[str]:
        """Sorted mappings that refer to ``filename``, directly or through the mappings above them (as crds)."""
        found: set[str] = set()
        pending = [os.path.basename(filename)]
        while pending:
            for user in self.users.get(pending.pop(), ()):
                if user not in found:
                    found.add(user)
                    pending.append(user)
        return sorted(found)


def uses_lines(files: Iterable[str], observatory: str, include_used: bool = False) -> tuple[list[str], UsesIndex]:
    """``crds uses`` lines for ``files`` (with ``include_used``: ``FILE MAPPING``), and the index built."""
    index = UsesIndex.of_cache(observatory)
    lines = []
    for name in files:
        for user in index.uses(name):
            lines.append(f"{name} {user}" if include_used else user)
    return lines, index


def dataset_lines(files: Iterable[str], params: list[str], include_used: bool = False) -> list[str]:
    """Datasets whose recorded prior assignments (a reference column of the store: DARKFILE, ...) name one of
    ``files``, sorted; ``jref$x.fits``, ``crds://x.fits`` and letter case are read as crds reads header values."""
    from ..store import open_params
    from ..store import schema as S

    wanted = {os.path.basename(name).lower(): name for name in files}
    found: dict[str, set[str]] = defaultdict(set)
    with open_params(params) as store:
        for batch in store.iter_batches():
            table = batch.to_pandas() if hasattr(batch, "to_pandas") else batch
            ids = table[S.DATASET_ID].tolist()
            for column in table.columns:
                if not S.is_parameter(column):
                    continue
                for dataset_id, value in zip(ids, table[column].tolist()):
                    if isinstance(value, str) and _plain(value) in wanted:
                        found[wanted[_plain(value)]].add(dataset_id)
    lines = []
    for name in files:
        for dataset_id in sorted(found.get(name, ())):
            lines.append(f"{name} {dataset_id}" if include_used else dataset_id)
    return lines


def _plain(value: str) -> str:
    value = value.strip().lower()
    value = value.removeprefix("crds://")
    return value.split("$", 1)[1] if "$" in value else value
