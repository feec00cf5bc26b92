"""File downloads at the URLs ``get_server_info`` advertises:
``/unchecked_get/{mappings,references,config}/<obs>/<name>``.

Tornado's StaticFileHandler does the HTTP part (streamed in 64 KiB chunks,
``Content-Length``, ``Range`` -> 206/416, ``HEAD``, ``If-Modified-Since``);
this handler decides which file a URL names, and only ever one inside the
served cache (see :func:`crds_batch.server.cache_view.confined`).
"""
from __future__ import annotations

import os

import tornado.web

from .handlers import PlainErrorsMixin
from .state import ServerState

URL_PATTERN = r"/unchecked_get/(mappings|references|config)/([^/]+)/(.*)"


class DownloadHandler(PlainErrorsMixin, tornado.web.StaticFileHandler):
    def initialize(self, state: ServerState) -> None:  # type: ignore[override]
        self.state = state
        self.root = os.sep

    async def get(self, component: str, observatory: str, name: str, include_body: bool = True) -> None:
        real = self.state.view.locate(component, name) if observatory == self.state.observatory else None
        if real is None:
            raise tornado.web.HTTPError(404)
        self.root = os.path.dirname(real)
        await super().get(os.path.basename(real), include_body)

    async def head(self, component: str, observatory: str, name: str) -> None:  # type: ignore[override]
        await self.get(component, observatory, name, include_body=False)

    def compute_etag(self) -> str | None:
        """Size and modification time (the base class would hash the whole file and remember it forever)."""
        stat = os.stat(self.absolute_path)
        return f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
