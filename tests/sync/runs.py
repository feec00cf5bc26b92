"""Running ``crds-batch sync`` and ``crds sync`` (13.2.7) against a server, and comparing the caches."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from crds_batch.sync.sha1_record import RECORD_NAME
from tests.conftest import REPO
from tests.server.servers import CLIENT_SECONDS, client_env, run_crds


def run_ours(*args: str, server_url: str, crds_path: Path | str, timeout: float = CLIENT_SECONDS,
             **extra: str) -> subprocess.CompletedProcess:
    Path(crds_path).mkdir(parents=True, exist_ok=True)
    env = client_env(server_url, crds_path, "none", **extra)
    env.pop("CRDS_OBSERVATORY")
    env.setdefault("CRDS_LOCK_PATH", str(Path(crds_path).parent))
    return subprocess.run([sys.executable, "-m", "crds_batch.cli.main", "sync", *args], cwd=REPO, env=env,
                          text=True, capture_output=True, timeout=timeout)


def run_theirs(*args: str, server_url: str, crds_path: Path | str, observatory: str = "hst",
               **extra: str) -> subprocess.CompletedProcess:
    return run_crds("crds.sync", f"--{observatory}", *args, server_url=server_url, crds_path=crds_path,
                    observatory=observatory, **extra)


def layout(root: Path) -> dict[str, object]:
    """``{relative path: bytes | ("link", relative target) | "dir"}`` of everything under ``root``."""
    found: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            found[name] = ("link", os.path.relpath(os.path.realpath(path), root))
        elif path.is_dir():
            found[name] = "dir"
        else:
            found[name] = path.read_bytes()
    return found


def server_config(root: Path, observatory: str = "hst") -> dict:
    """The cache's server_config with its encoded download_metadata decoded (gzip stamps a time)."""
    from crds_batch.client.envelope import crds_decode

    raw = ast.literal_eval((root / "config" / observatory / "server_config").read_text())
    raw["download_metadata"] = crds_decode(raw["download_metadata"])
    return raw


def comparable(root: Path, observatory: str = "hst") -> dict[str, object]:
    """:func:`layout` with server_config parsed and decoded, without crds-batch's own sha1 record
    (the one file crds-batch adds to a cache, by design: it makes a re-check fast)."""
    found = layout(root)
    found.pop(os.path.join("config", observatory, RECORD_NAME), None)
    key = os.path.join("config", observatory, "server_config")
    if key in found:
        found[key] = server_config(root, observatory)
        if found[key].get("status") == "context parameter":
            # crds resolves a context through heavy_client.get_final_context in --files and
            # --dataset-* runs, which sets status "context parameter" on its cached server info before
            # writing it; readers reset status to "cache" on load, so crds-batch writes what the
            # server said: "server".
            found[key]["status"] = "server"
    return found
