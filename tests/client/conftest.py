"""The server fixtures of tests/server (a real ``crds-batch serve`` of the test cache + a synthetic HST store)."""
from tests.server.conftest import HST_CONTEXT, hst_save, hst_server, hst_store  # noqa: F401
