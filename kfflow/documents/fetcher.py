"""The only way rendering may load a resource: `data:` URIs and files inside our own asset folder.

WeasyPrint's default fetcher follows file:// and http(s):// — a `<link rel="attachment"
href="file:///etc/passwd">` would embed that file into the PDF. User text is always escaped, so
such markup never reaches the renderer as markup; this fetcher is the second wall. It has no HTTP
handler at all (so no connection and no redirect can happen) and any refused URL stops the
rendering instead of leaving a quiet gap in a formal document.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, OpenerDirector, UnknownHandler

from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSETS_DIR = (Path(__file__).resolve().parent / "assets").resolve()


class ForbiddenResource(ValueError):
    """A document tried to load something other than a data: URI or one of our assets."""


class SafeURLFetcher(URLFetcher):
    def __init__(self, assets_dir: Path = ASSETS_DIR):
        # fail_on_errors: WeasyPrint turns our refusal into FatalURLFetchingError and stops.
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=True)
        self.assets_dir = Path(assets_dir).resolve()
        # Replace the handler chain the base class built (HTTP, HTTPS, FTP, file, proxies) with
        # data: only; our own assets are read directly below.
        self.handlers.clear()
        self.handle_open.clear()
        self.handle_error.clear()
        self.process_request.clear()
        self.process_response.clear()
        for handler in (UnknownHandler(), DataHandler()):
            OpenerDirector.add_handler(self, handler)

    def asset_path(self, url: str) -> Path:
        """The resolved local path of a file: URL, refused unless it lies inside the asset folder."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ForbiddenResource(f"refused resource {url!r}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.assets_dir) or not path.is_file():
            raise ForbiddenResource(f"refused resource {url!r}: not one of the document assets")
        return path

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self.asset_path(url)
            media_type = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
                path.suffix, "application/octet-stream")
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": media_type})
        raise ForbiddenResource(f"refused resource {url!r}")
