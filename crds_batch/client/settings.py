"""Where the server is and how patiently to talk to it: the crds client's environment variables.

``CRDS_SERVER_URL``                  base URL; none, or one containing "serverless"/"server-less",
                                     means serverless mode (answers come from the cache's server_config)
``CRDS_CLIENT_RETRY_COUNT``          tries per call and per download (crds's meaning; default 1)
``CRDS_CLIENT_RETRY_DELAY_SECONDS``  delay before the first retry; each later one doubles it,
                                     up to :data:`MAX_BACKOFF_SECONDS` (crds waits the same delay each time)
``CRDS_CLIENT_TIMEOUT_SECONDS``      bound on one try of a call or download, connect to last byte (default 300)
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import CrdsBatchError

DEFAULT_RETRY_COUNT = 1
DEFAULT_RETRY_DELAY_SECONDS = 0.0
DEFAULT_TIMEOUT_SECONDS = 300.0
#: Longest wait between two tries, whatever the doubling reaches.
MAX_BACKOFF_SECONDS = 60.0
#: Most tries allowed whatever the environment says (a typo must not loop for days).
MAX_RETRY_COUNT = 100
SERVERLESS_WORDS = ("serverless", "server-less")


class ClientSettingsError(CrdsBatchError):
    """A CRDS_CLIENT_* variable or the server URL cannot be used."""


@dataclass(frozen=True)
class ClientSettings:
    server_url: str  #: base URL without a trailing slash; "" when none is configured
    retry_count: int = DEFAULT_RETRY_COUNT
    retry_delay: float = DEFAULT_RETRY_DELAY_SECONDS
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def serverless(self) -> bool:
        return is_serverless(self.server_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, server_url: str | None = None) -> ClientSettings:
        """Settings from ``env`` (default ``os.environ``); ``server_url`` overrides ``CRDS_SERVER_URL``."""
        env = os.environ if env is None else env
        url = env.get("CRDS_SERVER_URL", "") if server_url is None else server_url
        url = url.strip().rstrip("/")
        if url and not is_serverless(url) and not url.startswith(("http://", "https://")):
            raise ClientSettingsError(f"CRDS server URL {url!r} must start with http:// or https://")
        return cls(
            server_url=url,
            retry_count=int(_number(env, "CRDS_CLIENT_RETRY_COUNT", DEFAULT_RETRY_COUNT, 1, MAX_RETRY_COUNT, int)),
            retry_delay=_number(env, "CRDS_CLIENT_RETRY_DELAY_SECONDS", DEFAULT_RETRY_DELAY_SECONDS, 0,
                                MAX_BACKOFF_SECONDS, float),
            timeout=_number(env, "CRDS_CLIENT_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS, 0.001, 86400, float),
        )


def is_serverless(url: str) -> bool:
    return not url or any(word in url.lower() for word in SERVERLESS_WORDS)


def _number(env: Mapping[str, str], name: str, default, low, high, kind):
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(float(text)) if kind is int else kind(text)
    except ValueError:
        raise ClientSettingsError(f"{name}={text!r} is not a number") from None
    if not low <= value <= high:
        raise ClientSettingsError(f"{name}={text!r} must be between {low} and {high}")
    return value
