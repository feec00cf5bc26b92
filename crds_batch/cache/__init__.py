"""The CRDS cache: layout, config files, symbolic context names."""
from __future__ import annotations

from .paths import CachePaths, directories_of, locate_mapping, locate_near, locate_reference, user_mapping_path
from .server_config import ServerConfig, load_server_config, resolve_context

__all__ = [
    "CachePaths",
    "ServerConfig",
    "load_server_config",
    "directories_of",
    "locate_mapping",
    "locate_near",
    "locate_reference",
    "resolve_context",
    "user_mapping_path",
]
