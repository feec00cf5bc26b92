"""Batch jobs' partitions read dictionary-encoded (check-context, issue 15): the same rows as the plain reader."""
from __future__ import annotations

import pandas as pd
import pytest

from crds_batch.cli.main import EXIT_OK, main
from crds_batch.store import Store, ingest
from crds_batch.store import schema as S
from crds_batch.store.encoded_read import EncodedChunkReader, partition_reads_encoded, plain_columns


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    """Several files and row groups per instrument, so that chunks join dictionaries of several row groups."""
    directory = tmp_path_factory.mktemp("encoded")
    save = str(directory / "save.json")
    assert main(["synth", "--context", "hst_0729.pmap", "-n", "1200", "-o", save, "--seed", "4",
                 "--instruments", "acs cos"]) == EXIT_OK
    ingest([save], str(directory / "store"), batch_bytes=60_000, row_group_size=70)
    return str(directory / "store")


def _plain(frame: pd.DataFrame) -> list[list]:
    return [frame[name].astype(object).where(frame[name].notna(), None).tolist() for name in frame.columns]


def test_chunks_equal_the_plain_partitions(store):
    with Store(store) as opened:
        for _observatory, instrument in opened.instruments():
            stored = opened.schema([instrument]).names
            present = [S.DATASET_ID, S.INSTRUMENT, *[n for n in stored if S.is_parameter(n)]]
            encoded = [read() for read in partition_reads_encoded(opened, [instrument], present)]
            plain = [task.compute(scheduler="synchronous")
                     for task in opened.delayed_partitions(instruments=[instrument], columns=present)]
            assert len(encoded) == len(plain)
            assert len({path for path, _group in opened.row_groups([instrument])[0]}) >= 2  # dictionaries joined
            for mine, theirs in zip(encoded, plain):
                assert list(mine.columns) == present
                assert _plain(mine) == _plain(theirs)
                assert mine[S.DATASET_ID].dtype == theirs[S.DATASET_ID].dtype
                plain_names = plain_columns("hst")
                assert {"DATE-OBS", "TIME-OBS"} <= plain_names and "DATE-OBS" in present
                assert all(isinstance(mine[n].dtype, pd.CategoricalDtype)
                           for n in present if S.is_parameter(n) and n not in plain_names)
                assert all(mine[n].dtype == mine[S.DATASET_ID].dtype for n in present if n in plain_names)
                assert mine[S.INSTRUMENT].astype(str).unique().tolist() == [instrument]


def test_a_column_some_files_lack_is_null(store):
    with Store(store) as opened:
        chunk = opened.row_groups(["cos"])[0]
        frame = EncodedChunkReader([S.DATASET_ID, "NO_SUCH_KEYWORD"])(chunk)
        ids = opened.delayed_partitions(instruments=["cos"], columns=[S.DATASET_ID])[0].compute(scheduler="synchronous")
    assert frame[S.DATASET_ID].tolist() == ids[S.DATASET_ID].tolist() and len(ids) > 0
    assert frame["NO_SUCH_KEYWORD"].isna().all() and isinstance(frame["NO_SUCH_KEYWORD"].dtype, pd.CategoricalDtype)
