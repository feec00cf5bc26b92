"""Shared test fixtures: where ../shared is, and an offline CRDS environment.

The real CRDS cache in ../shared/crds-cache-test is used read-only by both
crds_batch and the oracle (the `crds` package); the environment is set before
either is imported so that neither reaches for a network.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from unittest import mock

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CRDS_BATCH_SHARED", REPO.parent / "shared")).resolve()
CACHE = SHARED / "crds-cache-test"
TEST_DATA = SHARED / "crds-test-data"

# Offline, read-only use of the real cache for everything the tests run.
os.environ["CRDS_PATH"] = str(CACHE)
os.environ["CRDS_READONLY_CACHE"] = "1"
os.environ.pop("CRDS_SERVER_URL", None)
for _var in ("CRDS_CONTEXT", "CRDS_MAPPATH", "CRDS_REFPATH", "CRDS_CFGPATH", "CRDS_PATH_SINGLE",
             "CRDS_IGNORE_MAPPING_CHECKSUM", "CRDS_ALLOW_BAD_RULES", "CRDS_ALLOW_BAD_REFERENCES"):
    os.environ.pop(_var, None)

# Parsed mappings kept on disk (crds_batch.rules.parse_cache) go to a directory of this run, used by the
# commands the tests start too, not to the user's cache.
_PARSE_CACHE = tempfile.mkdtemp(prefix="crds-batch-test-parsed-")
os.environ["DASK_CRDS_BATCH__PARSE_CACHE"] = _PARSE_CACHE
atexit.register(shutil.rmtree, _PARSE_CACHE, True)


@pytest.fixture
def distributed_environment_restored():
    """For a test starting distributed's own LocalCluster: its nannies leave their ``pre-spawn-environ``
    (``MALLOC_TRIM_THRESHOLD_=65536``) in this process's environment, and a later cluster's nannies take what
    the environment says over their own settings (distributed prefers it to its config), so crds-batch's
    cluster in a later test would not get its kept-memory settings. The environment is put back afterwards."""
    with mock.patch.dict(os.environ):
        yield


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared is missing (looked in {SHARED}); set CRDS_BATCH_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def cache_dir(shared_dir) -> Path:
    return CACHE


@pytest.fixture(scope="session")
def test_data_dir(shared_dir) -> Path:
    return TEST_DATA
