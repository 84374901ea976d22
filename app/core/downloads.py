"""File downloads: one set of headers for every file the app serves (PDF, CSV, XML, iCalendar)."""
from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response


def download(body: bytes | str, filename: str, mimetype: str, *, inline: bool = False,
             cache: str = "private, no-store") -> Response:
    """A file with an ASCII-safe name and the exact one per RFC 6266/5987 (filename*), never
    kept by shared caches, never sniffed as another type, its URL never sent on as a referrer."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "download"
    disposition = f'{"inline" if inline else "attachment"}; filename="{ascii_name}"'
    disposition += f"; filename*=UTF-8''{quote(filename, safe='')}"
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = disposition
    resp.headers["Cache-Control"] = cache
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def pdf_response(body: bytes, filename: str) -> Response:
    """A PDF attachment."""
    return download(body, filename, "application/pdf")
