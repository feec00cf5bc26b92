"""``.json`` saves staged in line-aligned blocks, parsed in worker processes.

The save is cut into blocks of about ``batch_bytes`` that end at a newline;
each worker reads its own block from the file, parses it (the vectorized
reader of :mod:`.jsonlines`, else orjson, else line by line), derives the
partition columns and writes one Parquet file per partition of the block
into the staging directory (row groups of at most the block's rows). The
caller only records the files, in block order, so a later line of a dataset
is still in a later file. At most ``workers + 1`` blocks are in flight:
memory is bounded by the block size, not the save.
"""
from __future__ import annotations

import collections
import ctypes
import os
import signal
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..kept_memory import keep_freed_memory
from . import schema as S
from .jsonlines import parse_block
from .rows import add_derived, headers_to_table
from .saves import SaveBatch, _maybe_whole_file, _parse_lines
from .writer import WrittenFile, write_file

_PR_SET_PDEATHSIG = 1  # Linux prctl option

#: Stand-in for the file name in a worker's messages; the caller puts the name and true line numbers back.
_WHERE = "\0"


@dataclass
class BlockResult:
    """One staged block: its partitions (tables, or files written by a worker), problems, id hashes."""

    lines: int = 0
    parts: list[tuple[str, str, pa.Table]] = field(default_factory=list)
    files: list[WrittenFile] = field(default_factory=list)
    datasets: int = 0
    bad_lines: list[str] = field(default_factory=list)
    bad_datasets: list[str] = field(default_factory=list)
    #: 64-bit hashes of the block's dataset ids (see :func:`id_hashes`).
    hashes: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))

    def relocate(self, path: str, first_line: int) -> None:
        """Put ``path`` and absolute line numbers (block starting after ``first_line``) into the messages."""
        self.bad_lines = [_relocate(m, path, first_line) for m in self.bad_lines]
        self.bad_datasets = [_relocate(m, path, first_line) for m in self.bad_datasets]


def _relocate(message: str, path: str, first_line: int) -> str:
    number, rest = message[len(_WHERE) + 1:].split(":", 1)
    return f"{path}:{int(number) + first_line}:{rest}"


def plan_blocks(path: str, batch_bytes: int) -> Iterator[tuple[int, int]]:
    """``(start, length)`` of consecutive blocks of ``path``, each ending after a newline (or at EOF)."""
    size = os.path.getsize(path)
    start = 0
    with open(path, "rb") as handle:
        while start < size:
            end = min(start + batch_bytes, size)
            if end < size:
                handle.seek(end)
                while True:  # extend to the end of the line
                    chunk = handle.read(1 << 16)
                    if not chunk:
                        end = size
                        break
                    cut = chunk.find(b"\n")
                    if cut >= 0:
                        end += cut + 1
                        break
                    end += len(chunk)
            yield start, end - start
            start = end


def whole_file_batch(path: str) -> SaveBatch | None:
    """The datasets of a save written as one JSON object (not one per line), else None."""
    with open(path, "rb") as handle:
        for line in handle:
            if line.strip():
                return _maybe_whole_file(path, [line])
    return None


@dataclass(frozen=True)
class Staging:
    """Where and how a worker writes its block's files (see :func:`.writer.write_file`)."""

    root: str
    row_group_size: int
    source: int = 0
    prefix: str = "src"


#: Bytes parsed at a time within a block: the vectorized reader's temporaries
#: (several times this) then stay small, which costs fewer page faults and
#: cache misses, while files and row groups still hold a whole block.
PIECE_BYTES = 8 << 20


def stage_block(path: str, start: int, length: int, staging: Staging | None = None, block: int = 0) -> BlockResult:
    """Read, parse and partition one block of save ``path`` (runs in a worker process).

    With ``staging`` each partition is written to a Parquet file there and
    :attr:`BlockResult.files` lists them; else :attr:`BlockResult.parts` holds tables.
    """
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(length)
    if not data.endswith(b"\n"):
        data += b"\n"
    result = BlockResult()
    pieces: dict[tuple[str, str], list[pa.Table]] = {}
    hashes = []
    for piece in _pieces(data, PIECE_BYTES):
        for obs, ins, part in _parse_piece(piece, result):
            hashes.append(id_hashes(part.column(S.DATASET_ID)))
            pieces.setdefault((obs, ins), []).append(part)
    if hashes:
        result.hashes = np.concatenate(hashes)
    parts = [(obs, ins, tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default"))
             for (obs, ins), tables in pieces.items()]
    if staging is None:
        result.parts = parts
    else:
        result.files = [write_file(staging.root, obs, ins, part, staging.row_group_size, staging.source,
                                   f"{staging.prefix}-b{block:06d}") for obs, ins, part in parts]
    return result


def _pieces(data: bytes, size: int) -> Iterator[bytes]:
    """Consecutive pieces of ``data`` (whole lines, each ending in a newline) of about ``size`` bytes."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", min(start + size, len(data)) - 1) + 1
        yield data[start:end]
        start = end


def _parse_piece(data: bytes, result: BlockResult) -> list[tuple[str, str, pa.Table]]:
    """Parse and partition whole lines ``data``; count them and note bad lines/datasets (numbered within the block)."""
    lines_before = result.lines
    parts = parse_block(data, partition_keys)
    if parts is not None:
        rows = sum(part.num_rows for _, _, part in parts)
        result.lines += rows  # one dataset per line
        result.datasets += rows
        return parts
    result.lines += data.count(b"\n")
    lines = data.split(b"\n")
    lines.pop()  # after the last newline
    batch = _parse_lines(_WHERE, lines, lines_before)
    result.bad_lines.extend(batch.bad_lines)
    result.bad_datasets.extend(batch.bad_datasets)
    table = headers_to_table(batch.ids, batch.headers)
    result.datasets += table.num_rows
    return partition(table) if table.num_rows else []


def partition_keys(table: pa.Table) -> tuple[pa.Table, list[tuple[str, str]], np.ndarray]:
    """The fixed file columns of ``table``'s rows, its partitions and each row's partition number.

    Rows with no known instrument go to the UNKNOWN partition: a later source
    may name it (partial updates carry only a few parameters). Partitions are
    numbered in order of first appearance.
    """
    table, observatories, instruments = add_derived(table)
    known = pc.and_(pc.is_valid(observatories), pc.is_valid(instruments))
    obs = pc.if_else(known, observatories, S.UNKNOWN)
    ins = pc.if_else(known, instruments, S.UNKNOWN)
    encoded = pc.dictionary_encode(pc.binary_join_element_wise(obs, ins, "/"))
    keys = [tuple(key.split("/")) for key in encoded.dictionary.to_pylist()]
    return table.select(list(S.FILE_COLUMNS)), keys, encoded.indices.to_numpy(zero_copy_only=False)


def partition(table: pa.Table) -> list[tuple[str, str, pa.Table]]:
    """Split ``dataset_id`` + parameters into ``(observatory, instrument, file table)`` pieces.

    See :func:`partition_keys`. A piece keeps only the parameters some of its
    rows have, so each partition lists its own instrument's parameters.
    """
    fixed, keys, codes = partition_keys(table)
    params = [name for name in table.column_names if S.is_parameter(name)]
    table = pa.Table.from_arrays([*fixed.columns, *(table.column(name) for name in params)],
                                 names=[*fixed.column_names, *params])
    pieces = []
    for code, (observatory, instrument) in enumerate(keys):
        piece = table.filter(pa.array(codes == code)) if len(keys) > 1 else table
        keep = [c for c in piece.column_names
                if not S.is_parameter(c) or piece.column(c).null_count < piece.num_rows]
        pieces.append((observatory, instrument, piece.select(keep)))
    return pieces


#: Powers of the hash's multiplier, highest first; grown (never shrunk) to the longest id seen.
_POWERS = np.cumprod(np.full(4096, 0x100000001B3, np.uint64), dtype=np.uint64)[::-1].copy()


def _powers(length: int) -> np.ndarray:
    """At least ``length`` powers of the multiplier, highest first (the last one is the multiplier)."""
    global _POWERS
    if length > len(_POWERS):
        size = 1 << (length - 1).bit_length()
        _POWERS = np.cumprod(np.full(size, 0x100000001B3, np.uint64), dtype=np.uint64)[::-1].copy()
    return _POWERS


def id_hashes(ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit polynomial hash of each id (equal ids, equal hashes; rare collisions are possible).

    Used only to prove there are *no* duplicate ids cheaply: equal hashes send
    the ingest to the exact check. Ids of any length are hashed (ingest refuses
    ids over :data:`.schema.MAX_ID_CHARS`, but a store may be older than that rule).
    """
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    ids = ids.cast(pa.large_string())
    if len(ids) == 0:
        return np.empty(0, np.uint64)
    offsets = np.frombuffer(ids.buffers()[1], np.int64, len(ids) + 1, ids.offset * 8)
    lengths = np.diff(offsets)
    powers = _powers(int(lengths.max(initial=0)))
    data = np.frombuffer(ids.buffers()[2], np.uint8)[offsets[0]:offsets[-1]].astype(np.uint64)
    starts = offsets[:-1] - offsets[0]
    # Position of each byte from the end of its id picks its power, so the hash is a per-id sum.
    from_end = np.repeat(starts + lengths, lengths) - np.arange(len(data)) - 1
    terms = (data + np.uint64(1)) * powers[len(powers) - 1 - from_end]
    nonempty = lengths > 0
    sums = np.zeros(len(ids), np.uint64)
    if nonempty.any():
        sums[nonempty] = np.add.reduceat(terms, starts[nonempty])
    return sums ^ lengths.astype(np.uint64)


def iter_blocks(path: str, batch_bytes: int, workers: int, staging: Staging) -> Iterator[BlockResult]:
    """Stage the blocks of ``path`` and yield their results in file order, messages relocated.

    Each block's partitions are written as files under ``staging`` (:attr:`BlockResult.files`).
    """
    blocks = list(plan_blocks(path, batch_bytes))
    if workers <= 1 or len(blocks) <= 1:
        yield from _in_order(blocks, path, None, 0, staging)
        return
    with ProcessPoolExecutor(min(workers, len(blocks)), initializer=init_ingest_worker, initargs=(os.getpid(),)) as pool:
        yield from _in_order(blocks, path, pool, min(workers, len(blocks)) + 1, staging)


def init_ingest_worker(parent: int) -> None:
    """Die with the ingest; keep freed memory for the next block instead of returning it.

    A forked worker holds the write end of its own task pipe, so it would wait
    forever after a SIGKILLed ingest: the parent-death signal ends it. Each
    block allocates and frees the same few hundred MB; pages returned to the
    system come back as page faults, which cost as much as the parsing on a VM.
    """
    keep_freed_memory()  # Arrow through malloc, which keeps what it frees
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:  # not glibc/Linux: leave the defaults
        return
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the ingest died before the signal was armed
        os._exit(1)


def _in_order(blocks, path: str, pool: Executor | None, in_flight: int, staging: Staging) -> Iterator[BlockResult]:
    first_line = 0
    if pool is None:
        results: Iterator[BlockResult] = (stage_block(path, start, length, staging, index)
                                          for index, (start, length) in enumerate(blocks))
    else:
        results = _bounded(pool, blocks, path, in_flight, staging)
    for result in results:
        result.relocate(path, first_line)
        first_line += result.lines
        yield result


def _bounded(pool: Executor, blocks, path: str, in_flight: int, staging: Staging) -> Iterator[BlockResult]:
    """Results in block order with at most ``in_flight`` blocks submitted and not yet consumed."""
    pending: collections.deque = collections.deque()
    todo = enumerate(blocks)
    try:
        for index, (start, length) in todo:
            pending.append(pool.submit(stage_block, path, start, length, staging, index))
            if len(pending) >= in_flight:
                break
        while pending:
            result = pending.popleft().result()
            for index, (start, length) in todo:
                pending.append(pool.submit(stage_block, path, start, length, staging, index))
                break
            yield result
    finally:
        for future in pending:
            future.cancel()
