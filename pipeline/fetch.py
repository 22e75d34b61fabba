"""Getting a page: from a web server (requests) or a local file, chosen by the address's scheme.

Remote fetching is careful: one session, connect and read timeouts, retries with backoff on
connection errors, 429 and 5xx (honouring Retry-After), a size limit, redirects within a
limit and only to http(s), the content type checked, the charset taken from the header, the
page's own <meta charset> or a fallback, and conditional requests so an unchanged page is not
downloaded again. Every failure is one ``FetchError`` naming the address and the cause.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pipeline import __version__
from pipeline.errors import PipelineError

USER_AGENT = f"health-pipeline/{__version__} (article import; +https://health.example.org/)"
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


class FetchError(PipelineError):
    """A page could not be fetched; the message names the address and the cause."""


@dataclass(frozen=True)
class Fetched:
    """A page as it arrived."""

    url: str  # where it came from, after redirects
    text: str  # the decoded body; "" when unchanged
    media_type: str  # "text/html" or "text/plain"
    etag: str | None = None  # validators for the next conditional request
    last_modified: str | None = None
    unchanged: bool = False  # the server said 304 Not Modified


@dataclass(frozen=True)
class Limits:
    """How patient and how generous a fetch is; tests shorten them."""

    connect_timeout: float = 5.0  # seconds to connect
    read_timeout: float = 20.0  # seconds to wait for data
    retries: int = 3  # tries after the first, on connection errors, 429 and 5xx
    backoff: float = 0.5  # seconds, doubled on each retry
    max_bytes: int = MAX_BYTES  # largest body accepted


def fetch(address: str, etag: str | None = None, last_modified: str | None = None,
          limits: Limits = Limits(), session: requests.Session | None = None) -> Fetched:
    """The page at ``address``: an http(s) URL or a local file path."""
    scheme = urlsplit(address).scheme.lower()
    retriever = RETRIEVERS.get(scheme if len(scheme) > 1 else "")  # "c:" is a Windows drive, not a scheme
    if retriever is None:
        raise FetchError(f"cannot fetch {scheme}: addresses; use an http(s) URL or a file path", address)
    return retriever(address, etag, last_modified, limits, session)


def http_session(limits: Limits = Limits()) -> requests.Session:
    retry = Retry(total=limits.retries, connect=limits.retries, read=limits.retries, status=limits.retries,
                  backoff_factor=limits.backoff, status_forcelist=(429, 500, 502, 503, 504),
                  respect_retry_after_header=True, raise_on_status=False, redirect=False)
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.max_redirects = MAX_REDIRECTS
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _http(url: str, etag: str | None, last_modified: str | None, limits: Limits,
          session: requests.Session | None) -> Fetched:
    session = session or http_session(limits)
    headers = {"Accept": "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.8"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with session.get(url, headers=headers, timeout=(limits.connect_timeout, limits.read_timeout),
                         stream=True, allow_redirects=True) as response:
            _check_redirects(url, response)
            if response.status_code == 304:
                return Fetched(response.url, "", "", etag, last_modified, unchanged=True)
            if response.status_code != 200:
                raise FetchError(f"the server answered {response.status_code} {response.reason}", url)
            media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if media_type not in TEXT_TYPES:
                raise FetchError(f"expected an HTML or text page, got content type {media_type or 'none'!r}", url)
            body = _read(url, response, limits.max_bytes)
            text = decode(body, response.headers.get("Content-Type", ""), media_type)
            return Fetched(response.url, text, "text/plain" if media_type == "text/plain" else "text/html",
                           response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except requests.TooManyRedirects as exc:
        raise FetchError(f"more than {MAX_REDIRECTS} redirects (a redirect loop?)", url) from exc
    except requests.exceptions.InvalidSchema as exc:
        raise FetchError(f"redirected to an address that is not http(s): {exc}", url) from exc
    except requests.Timeout as exc:
        raise FetchError(f"no answer within {limits.read_timeout:g} s (timed out)", url) from exc
    except requests.ConnectionError as exc:
        raise FetchError(f"cannot connect: {_reason(exc)}", url) from exc
    except requests.RequestException as exc:
        raise FetchError(f"the request failed: {_reason(exc)}", url) from exc


def _check_redirects(url: str, response: requests.Response) -> None:
    for hop in response.history:
        target = hop.headers.get("Location", "")
        if target and urlsplit(target).scheme.lower() not in ("", "http", "https"):
            raise FetchError(f"redirected to {target!r}, which is not http(s)", url)


def _read(url: str, response: requests.Response, limit: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FetchError(f"the page is {int(declared) // 1024} KB, more than the {limit // 1024} KB allowed", url)
    chunks, size = [], 0
    for chunk in response.iter_content(65536):
        size += len(chunk)
        if size > limit:
            raise FetchError(f"the page is larger than the {limit // 1024} KB allowed", url)
        chunks.append(chunk)
    return b"".join(chunks)


def _reason(exc: Exception) -> str:
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^')]+)|(Connection refused|Read timed out|RemoteDisconnected[^')]*)", text)
    return (match.group(1) or match.group(2)) if match else type(exc).__name__


def decode(body: bytes, content_type: str, media_type: str) -> str:
    """Bytes to text: the header's charset, else the page's <meta charset>, else UTF-8, else cp1252."""
    for charset in (_header_charset(content_type), _meta_charset(body) if media_type != "text/plain" else None):
        if charset:
            try:
                return body.decode(charset)
            except (LookupError, UnicodeDecodeError):
                continue
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _header_charset(content_type: str) -> str | None:
    match = re.search(r"charset=\"?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _meta_charset(body: bytes) -> str | None:
    head = body[:4096].decode("ascii", errors="ignore")
    match = re.search(r"<meta[^>]+charset=[\"']?([\w.:-]+)", head, re.IGNORECASE)
    return match.group(1) if match else None


def _file(address: str, etag: str | None, last_modified: str | None, limits: Limits,
          session: requests.Session | None) -> Fetched:
    path = Path(address.removeprefix("file://") if address.startswith("file://") else address)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FetchError(f"cannot read the file: {exc.strerror}", address) from exc
    if len(data) > limits.max_bytes:
        raise FetchError(f"the file is larger than the {limits.max_bytes // 1024} KB allowed", address)
    media_type = "text/plain" if path.suffix.lower() in (".txt", ".text") else "text/html"
    return Fetched(str(path), decode(data, "", media_type), media_type)


Retriever = Callable[[str, "str | None", "str | None", Limits, "requests.Session | None"], Fetched]
RETRIEVERS: dict[str, Retriever] = {"http": _http, "https": _http, "": _file, "file": _file}


IMAGE_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
               "image/svg+xml": ".svg"}


def fetch_image(address: str, limits: Limits = Limits(), session: requests.Session | None = None) -> tuple[bytes, str]:
    """A picture's bytes and file suffix, from the web or a local file."""
    if urlsplit(address).scheme.lower() in ("http", "https"):
        session = session or http_session(limits)
        try:
            with session.get(address, timeout=(limits.connect_timeout, limits.read_timeout), stream=True) as response:
                if response.status_code != 200:
                    raise FetchError(f"the picture could not be fetched: {response.status_code} {response.reason}", address)
                media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if media_type not in IMAGE_TYPES:
                    raise FetchError(f"expected a picture, got content type {media_type or 'none'!r}", address)
                return _read(address, response, limits.max_bytes), IMAGE_TYPES[media_type]
        except requests.RequestException as exc:
            raise FetchError(f"the picture could not be fetched: {_reason(exc)}", address) from exc
    path = Path(address.removeprefix("file://"))
    suffix = path.suffix.lower()
    if suffix not in IMAGE_TYPES.values():
        raise FetchError("not a picture file (.png, .jpg, .gif, .webp or .svg)", address)
    try:
        return path.read_bytes(), suffix
    except OSError as exc:
        raise FetchError(f"cannot read the picture: {exc.strerror}", address) from exc
