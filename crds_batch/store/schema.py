"""The store's columns, layout names and version.

A row is one dataset. Fixed columns (lower case) come first; every other
column is a parameter exactly as named in its source (upper case: ``DETECTOR``,
``DATE-OBS``, ``META.INSTRUMENT.NAME``, prior assignments like ``DARKFILE``),
all strings, null when a dataset does not have the parameter.
``observatory`` and ``instrument`` are hive partition keys (directory names),
lower case. One fixed column is not a string: ``date_key`` (int64), the
observation date normalized once at ingest (see :data:`DATE_KEY`).
"""
from __future__ import annotations

import pyarrow as pa

#: Bumped when the layout or the meaning of a column changes. 2 added :data:`DATE_KEY`.
SCHEMA_VERSION = 2
#: Versions this code reads: a version-1 store's files lack :data:`DATE_KEY` (read as -1 throughout).
READABLE_SCHEMA_VERSIONS = (1, 2)
FORMAT_NAME = "crds-batch-params"

DATASET_ID = "dataset_id"  #: the id as the source wrote it (HST ``PRODUCT:EXPOSURE``)
PRODUCT_ID = "product_id"  #: the id before the first ``:`` (the id itself if none)
EXPOSURE_ID = "exposure_id"  #: the id after the first ``:`` (the id itself if none)
TIMESTAMP = "timestamp"  #: the observatory's date keywords joined by a space, as crds compares them
#: int64: the observation date (the observatory's two date keywords) as ``YYYYMMDDHHMMSS`` of its normalized
#: UseAfter text, where that text has no fraction of a second; -1 (or null) otherwise (fractions, failures,
#: one-keyword observatories). Computed by :func:`crds_batch.engine.dates.stored_date_keys`, so evaluation
#: reads most dates as numbers instead of parsing their texts again.
DATE_KEY = "date_key"
OBSERVATORY = "observatory"
INSTRUMENT = "instrument"

#: Columns stored in every file, before the parameters.
FILE_COLUMNS = (DATASET_ID, PRODUCT_ID, EXPOSURE_ID, TIMESTAMP, DATE_KEY)
#: Columns read from the partition directories.
PARTITION_COLUMNS = (OBSERVATORY, INSTRUMENT)
FIXED_COLUMNS = FILE_COLUMNS + PARTITION_COLUMNS

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".ingest.lock"
GENERATION_PREFIX = "gen-"
STAGING_PREFIX = ".staging-"
#: In each generation: the file its readers hold a shared lock on (see :mod:`.readers`).
READERS_NAME = ".readers"

#: Longest dataset id accepted, in characters. Real ids are under 100
#: (``JW01234001001_02101_00001_NRCA1:...`` is 63); a longer one is a
#: per-dataset error at ingest, so ids stay cheap to hash, compare and print.
MAX_ID_CHARS = 1024

#: Partition value of datasets whose instrument is not known (yet): a later
#: source may supply it; those still unknown at the end are reported.
UNKNOWN = "_unknown"


def partition_dir(observatory: str, instrument: str) -> str:
    """Relative hive directory of one partition."""
    return f"{OBSERVATORY}={observatory}/{INSTRUMENT}={instrument}"


def column_type(name: str) -> pa.DataType:
    """The Arrow type of a stored column: strings, but for :data:`DATE_KEY`."""
    return pa.int64() if name == DATE_KEY else pa.string()


def file_schema(parameters: list[str]) -> pa.Schema:
    """Schema of a data file holding ``parameters`` (fixed file columns first)."""
    return pa.schema([pa.field(name, column_type(name)) for name in (*FILE_COLUMNS, *parameters)])


def is_parameter(name: str) -> bool:
    """True for parameter columns (anything not fixed or internal)."""
    return name not in FIXED_COLUMNS and not name.startswith("_")
