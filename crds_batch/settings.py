"""Package defaults merged into ``dask.config`` (the distributed way)."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

import dask.config
import yaml

from .errors import CrdsBatchError

_DEFAULTS_FILE = os.path.join(os.path.dirname(__file__), "crds_batch.yaml")

with open(_DEFAULTS_FILE) as _handle:
    _defaults = yaml.safe_load(_handle)

dask.config.update_defaults(_defaults)


def get(key: str, default=None):
    """Return setting ``crds_batch.<key>`` from dask.config."""
    return dask.config.get(f"crds_batch.{key}", default)


class SettingsError(CrdsBatchError):
    """A crds_batch setting (Dask config file or DASK_CRDS_BATCH__* variable) has an unusable value."""


def _number(key: str, default, kind: type, minimum):
    value = get(key, default)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if kind is int and isinstance(value, float) and not value.is_integer():
        number = None
    if number is None or isinstance(value, bool) or (minimum is not None and number < minimum):
        variable = "DASK_CRDS_BATCH__" + key.upper().replace("-", "_")
        bound = f" >= {minimum}" if minimum is not None else ""
        raise SettingsError(f"Setting crds_batch.{key} = {value!r} (Dask config or {variable}) "
                            f"is not a{'n integer' if kind is int else ' number'}{bound}")
    return number


def get_int(key: str, default: int, minimum: int | None = 1) -> int:
    """Setting ``crds_batch.<key>`` as an integer; a bad value is one line (SettingsError), not a traceback."""
    return _number(key, default, int, minimum)


def get_bool(key: str, default: bool) -> bool:
    """Setting ``crds_batch.<key>`` as true or false (YAML's spellings); another value is one line (SettingsError)."""
    value = get(key, default)
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        return value.strip().lower() in ("true", "yes", "on", "1")
    if not isinstance(value, bool):
        variable = "DASK_CRDS_BATCH__" + key.upper().replace("-", "_")
        raise SettingsError(f"Setting crds_batch.{key} = {value!r} (Dask config or {variable}) is not true or false")
    return value


def get_float(key: str, default: float, minimum: float | None = 0.0) -> float:
    """Setting ``crds_batch.<key>`` as a number; a bad value is one line (SettingsError)."""
    return _number(key, default, float, minimum)


def load_config_file(path: str) -> None:
    """Merge the Dask config YAML at ``path`` (``crds-batch --config``; see configs/) into dask.config.

    The file wins over the package defaults and Dask's own config files; DASK_* variables and
    command-line options still win over it where a command reads them.
    """
    try:
        with open(path) as handle:
            loaded = yaml.safe_load(handle)
    except OSError as exc:
        raise SettingsError(f"Config file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())
        raise SettingsError(f"Config file {path}: not YAML: {reason}") from None
    if loaded is None:
        return
    if not isinstance(loaded, dict):
        raise SettingsError(f"Config file {path}: not a mapping of Dask settings")
    dask.config.update(dask.config.config, loaded, priority="new")


def _set_environment(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextlib.contextmanager
def environment(changes: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for ``None``, remove) environment variables for a block; restore them after it."""
    saved = {name: os.environ.get(name) for name in changes}
    try:
        _set_environment(changes)
        yield
    finally:
        _set_environment(saved)
