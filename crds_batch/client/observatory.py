"""Which observatory a server command is about, as crds decides it."""
from __future__ import annotations

from ..observatories import OBSERVATORIES
from .session import CrdsClient

#: crds's last resort (crds.client.api.HARD_DEFAULT_OBS).
FALLBACK_OBSERVATORY = "jwst"


def server_observatory(client: CrdsClient, explicit: str | None = None) -> str:
    """``explicit`` (CRDS_OBSERVATORY or an option), else an observatory named in the server URL,
    else the one the server says it serves (serverless: jwst, as crds)."""
    if explicit and explicit.strip().lower() not in ("", "none"):
        return explicit.strip().lower()
    url = client.url.lower()
    for name in OBSERVATORIES:
        if name in url:
            return name
    if client.serverless:
        return FALLBACK_OBSERVATORY
    info = client.call("get_server_info")
    name = info.get("observatory") if isinstance(info, dict) else None
    return str(name).lower() if name else FALLBACK_OBSERVATORY
