"""The CRDS cache: layout, config files, symbolic context names."""
from __future__ import annotations

from .paths import CachePaths, locate_mapping, locate_reference
from .server_config import ServerConfig, load_server_config, resolve_context

__all__ = [
    "CachePaths",
    "ServerConfig",
    "load_server_config",
    "locate_mapping",
    "locate_reference",
    "resolve_context",
]
