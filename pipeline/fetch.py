"""Getting a page: from a web server (requests) or a local file, chosen by the address's scheme.

Remote fetching is careful: one session per page, connect and read timeouts, retries with
backoff on connection errors, 429 and 5xx (honouring a short Retry-After, giving up at once on a
long one), a size limit, redirects within a limit and only to http(s), the content type
checked, the charset taken from the header, the page's own <meta charset> or a fallback, and
conditional requests so an unchanged page is not downloaded again. Two bounds hold whatever
the server does: a deadline for the whole page (retries, redirects, the name lookup, every
address tried and a body trickling in included), cut shorter by the end of the import or run it
belongs to (``Limits.within``), and the address: every connection, redirect hop and retry alike,
goes only to the address that was resolved and vetted as public, unless the site allows the host
by name. A body is read only up to its size limit and only in an encoding we decode.
Every failure is one ``FetchError`` naming the address and the cause.
"""

from __future__ import annotations

import codecs
import datetime as dt
import http.client
import email.utils
import ipaddress
import math
import os
import re
import socket
import stat
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.response import HTTPResponse

from pipeline import __version__
from pipeline.errors import PipelineError

USER_AGENT = f"health-pipeline/{__version__} (article import; +https://health.example.org/)"
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
RETRY_STATUSES = (429, 500, 502, 503, 504)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
ALLOW_SETTING = "ingest_allow_hosts"  # the site.toml setting that lets ingest reach internal hosts
MAX_ADDRESSES = 4  # addresses of one name tried: a name with dozens must not multiply the connect timeout
MAX_PICTURES = 100  # pictures one import fetches; a health article has a handful
MAX_PICTURE_BYTES = 25 * 1024 * 1024  # all pictures of one import together, as held in memory until written
# What urllib3 itself decodes; a body in any other encoding would reach us as compressed bytes.
DECODED_ENCODINGS = frozenset(["identity", *HTTPResponse.CONTENT_DECODERS])


class FetchError(PipelineError):
    """A page could not be fetched; the message names the address and the cause."""


class AddressRefused(FetchError):
    """A connection would have gone to an internal address; raised before a byte is sent."""


class TooLarge(FetchError):
    """A body was larger than the bytes it was allowed; nothing more of it was read."""


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
class Until:
    """A moment by which a whole import or run must be done, whatever its pages and pictures take."""

    moment: float  # a time.monotonic() reading
    seconds: float  # the bound as set, for messages
    what: str  # what it bounds, for messages: "one import", "one sync"


@dataclass(frozen=True)
class Limits:
    """How patient and how generous a fetch is, and where it may go; tests shorten and widen them."""

    connect_timeout: float = 5.0  # seconds to connect
    read_timeout: float = 20.0  # seconds to wait for data
    retries: int = 3  # tries after the first, on connection errors, 429 and 5xx
    backoff: float = 0.5  # seconds, doubled on each retry
    max_bytes: int = MAX_BYTES  # largest body accepted
    max_retry_after: float = 60.0  # longest Retry-After waited for; a server asking more is given up at once
    page_deadline: float = 120.0  # seconds for one page or picture in all: retries, redirects, a slow body
    import_deadline: float = 300.0  # seconds for one import in all: its page and every picture on it
    run_deadline: float = 1800.0  # seconds for a whole sync; pages not reached by then are reported failed
    max_pictures: int = MAX_PICTURES  # pictures one import may fetch; a page with more is refused
    max_picture_bytes: int = MAX_PICTURE_BYTES  # bytes all pictures of one import may take together
    allow_hosts: tuple[str, ...] = ()  # internal hosts (as written in URLs), addresses or networks allowed
    until: Until | None = None  # the import's or run's own end, set by ``within``; None: only per page

    def within(self, seconds: float, what: str) -> Limits:
        """These limits with everything also done ``seconds`` from now; an earlier end already set stays."""
        moment = time.monotonic() + seconds
        if self.until is not None and self.until.moment <= moment:
            return self
        return replace(self, until=Until(moment, seconds, what))


def fetch(address: str, etag: str | None = None, last_modified: str | None = None,
          limits: Limits = Limits()) -> Fetched:
    """The page at ``address``: an http(s) URL or a local file path."""
    scheme = urlsplit(address).scheme.lower()
    retriever = RETRIEVERS.get(scheme if len(scheme) > 1 else "")  # "c:" is a Windows drive, not a scheme
    if retriever is None:
        raise FetchError(f"cannot fetch {scheme}: addresses; use an http(s) URL or a file path", address)
    return retriever(address, etag, last_modified, limits)


# ---------------------------------------------------------------- where a connection may go

def internal_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What makes an address internal ("loopback", "private", ...), or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:  # an IPv4 address dressed as IPv6 reaches that IPv4 address
            return internal_kind(embedded)
    for kind, test in _KINDS:
        if test(ip):
            return kind
    return None


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_KINDS: tuple[tuple[str, Callable], ...] = (
    ("unspecified", lambda ip: ip.is_unspecified), ("loopback", lambda ip: ip.is_loopback),
    ("link-local", lambda ip: ip.is_link_local), ("multicast", lambda ip: ip.is_multicast),
    ("shared (carrier-grade NAT)", lambda ip: ip.version == 4 and ip in _CGNAT),
    ("private", lambda ip: ip.is_private), ("reserved", lambda ip: ip.is_reserved),
    ("non-global", lambda ip: not ip.is_global),
)


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """True when the site allows ``host`` as written in the URL: by name, or an address in an allowed network.

    Names are compared as written, never through DNS, so allowing 127.0.0.1 does not allow localhost.
    """
    host = host.strip("[]").rstrip(".").lower()
    literal = _address(host)
    for entry in allowed:
        network = _network(entry)
        if network is None and host == entry.rstrip(".").lower():
            return True
        if network is not None and literal is not None and literal.version == network.version and literal in network:
            return True
    return False


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


class _Guarded:
    """A connection that connects only to a vetted address and that its fetch's deadline can cut.

    The name is resolved here, each address vetted, and the socket connected to that very
    address: no second lookup a rebinding DNS server could answer differently. TLS still
    checks the certificate against the host name, which urllib3 keeps in ``self.host``.
    """

    allowed: tuple[str, ...] | None = None  # set per session; None vets nothing (the site's own hub)
    watchdog: Watchdog | None = None  # set per session

    def _new_conn(self) -> socket.socket:
        found = self._resolve()
        if self.allowed is not None and not host_allowed(self.host, self.allowed):
            found = self._public(found)
        error: OSError | None = None
        for family, kind, proto, _, address in found[:MAX_ADDRESSES]:
            timeout = self._timeout()
            if timeout is not None and timeout <= 0:
                break  # the deadline passed while earlier addresses were tried
            sock = socket.socket(family, kind, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(timeout)
                sock.connect(address)
            except OSError as exc:
                sock.close()
                error = exc
                continue
            if self.watchdog is not None:
                self.watchdog.watch(sock)
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        if error is None or isinstance(error, socket.timeout):
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})")
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")

    def _timeout(self) -> float | None:
        """Seconds one connection attempt may take: the connect timeout, but never past the deadline."""
        timeout = self.timeout if isinstance(self.timeout, (int, float)) else None
        if self.watchdog is None:
            return timeout
        return self.watchdog.remaining() if timeout is None else min(timeout, self.watchdog.remaining())

    def _resolve(self) -> list:
        """The name's addresses, looked up in a thread so that a resolver that never answers cannot
        outlast the deadline (the thread is left to the resolver's own timeout)."""
        answer: dict = {}

        def look_up() -> None:
            try:
                answer["found"] = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
            except OSError as exc:
                answer["error"] = exc
        worker = threading.Thread(target=look_up, name=f"resolve {self._dns_host}", daemon=True)
        worker.start()
        worker.join(self._timeout())
        if "error" in answer:
            raise NameResolutionError(self.host, self, answer["error"]) from answer["error"]
        if "found" not in answer:
            raise ConnectTimeoutError(self, f"looking up {self.host} took longer than the time allowed")
        return answer["found"]

    def _public(self, found: list) -> list:
        refused = [(a, internal_kind(_address(a[4][0].split("%")[0]))) for a in found]
        public = [a for a, kind in refused if kind is None]
        if not public:
            ip, kind = refused[0][0][4][0], refused[0][1]
            shown = self.host if self.host == ip else f"{self.host} ({ip})"
            raise AddressRefused(f"refused to connect to {shown}, {_a(kind)} address inside this network; if the "
                                 f"site means to fetch from it, list the host in '{ALLOW_SETTING}' in sources/site.toml")
        return public


def _a(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


class Watchdog:
    """Ends a fetch at its deadline: shuts its sockets, so that no read, however slow, outlasts it."""

    def __init__(self, seconds: float, allowed: str | None = None):
        self.seconds = seconds  # the bound
        self.allowed = allowed or f"the {seconds:.3g} s allowed"  # the bound, for messages
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    def over(self) -> bool:
        """True once the deadline is reached, even in the instant before the timer has shut the sockets."""
        return self.expired or self.remaining() <= 0

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:  # the plain socket's shutdown: an SSL socket's own would unwrap it under a reading thread
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class _GuardedAdapter(HTTPAdapter):
    """Requests' adapter with our connection classes and without urllib3's retries (we retry, within the deadline)."""

    def __init__(self, allowed: tuple[str, ...] | None, watchdog: Watchdog):
        fields = {"allowed": allowed, "watchdog": watchdog}
        plain = type("GuardedHTTPConnection", (_Guarded, HTTPConnection), fields)
        secure = type("GuardedHTTPSConnection", (_Guarded, HTTPSConnection), fields)
        self._pools = {"http": type("GuardedPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
                       "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": secure})}
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools


def guarded_session(allowed: tuple[str, ...] | None, watchdog: Watchdog, user_agent: str = USER_AGENT) -> requests.Session:
    """A session whose every connection is vetted (unless ``allowed`` is None) and cut at the watchdog's deadline."""
    session = requests.Session()
    session.trust_env = False  # a proxy from the environment would connect for us, past the vetting
    session.headers["User-Agent"] = user_agent
    adapter = _GuardedAdapter(allowed, watchdog)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# ---------------------------------------------------------------- asking, within the deadline

Wanted = Callable[[requests.Response], bool]  # checks the final answer; True when its body is to be read


def _exchange(url: str, headers: dict[str, str], limits: Limits, wanted: Wanted) -> tuple[str, requests.Response, bytes]:
    """The final answer for ``url`` (the address it came from, the response, the body): redirects
    followed, busy servers asked again, every connection vetted, all within the page deadline."""
    with _page_watchdog(url, limits) as watchdog, guarded_session(limits.allow_hosts, watchdog) as session:
        try:
            hop = url
            for _ in range(MAX_REDIRECTS + 1):
                response = _ask(session, url, hop, headers, limits, watchdog)
                target = _redirect(url, hop, response)
                if target is None:
                    body = _read(url, response, limits.max_bytes) if wanted(response) and _decodable(url, response) else b""
                    if watchdog.expired:  # a cut body may look complete; it is not
                        raise _late(url, watchdog)
                    return hop, response, body
                response.close()
                hop = target
            raise FetchError(f"more than {MAX_REDIRECTS} redirects (a redirect loop?)", url)
        except FetchError as exc:
            if watchdog.over() and not isinstance(exc, AddressRefused):
                raise _late(url, watchdog) from exc
            raise


def _page_watchdog(url: str, limits: Limits) -> Watchdog:
    """The page's deadline, or the import's or run's end if that comes first."""
    until = limits.until
    left = math.inf if until is None else until.moment - time.monotonic()
    if until is None or limits.page_deadline <= left:
        return Watchdog(limits.page_deadline, f"the {limits.page_deadline:.3g} s allowed for one page")
    if left <= 0:
        raise FetchError(f"the {until.seconds:.3g} s allowed for {until.what} ran out before this was fetched; "
                         "try again later", url)
    return Watchdog(left, f"the {until.seconds:.3g} s allowed for {until.what}")


def _decodable(url: str, response: requests.Response) -> bool:
    """True when the body comes in an encoding we decode; we refuse rather than take compressed bytes as text."""
    encodings = [e.strip().lower() for e in response.headers.get("Content-Encoding", "").split(",") if e.strip()]
    unknown = [e for e in encodings if e not in DECODED_ENCODINGS]
    if unknown:
        raise FetchError(f"the answer is compressed as {unknown[0][:40]!r}, which cannot be decoded here; "
                         "save it from a browser and import the file", url)
    return True


def _ask(session: requests.Session, url: str, hop: str, headers: dict[str, str], limits: Limits,
         watchdog: Watchdog) -> requests.Response:
    """One request, asked again on connection errors, 429 and 5xx; the last answer when the server stays busy."""
    for attempt in range(max(limits.retries, 0) + 1):
        last = attempt >= limits.retries
        try:
            response = session.get(hop, headers=headers, stream=True, allow_redirects=False,
                                   timeout=(_within(limits.connect_timeout, url, watchdog),
                                            _within(limits.read_timeout, url, watchdog)))
        except AddressRefused as exc:
            raise AddressRefused(exc.message if hop == url else f"redirected to {hop}: {exc.message}", url) from exc
        except (requests.RequestException, ValueError) as exc:
            failure = _failure(url, hop, exc, limits)
            if last or watchdog.over() or isinstance(exc, (requests.exceptions.InvalidURL, ValueError)):
                raise failure from exc
            wait = limits.backoff * 2 ** attempt
        else:
            if last or response.status_code not in RETRY_STATUSES:
                return response
            failure = FetchError(f"the server answered {response.status_code} {response.reason}", url)
            wait = _retry_wait(url, response, limits, attempt)
            response.close()
        if wait >= watchdog.remaining():
            raise FetchError(f"{failure.message}; waiting {_seconds(wait)} to ask again would pass "
                             f"{watchdog.allowed}; try again later", url)
        time.sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _within(timeout: float, url: str, watchdog: Watchdog) -> float:
    remaining = watchdog.remaining()
    if remaining <= 0:
        raise _late(url, watchdog)
    return min(timeout, remaining)


def _late(url: str, watchdog: Watchdog) -> FetchError:
    return FetchError(f"no complete answer within {watchdog.allowed} (the server is too slow or stalls); "
                      "try again later", url)


def _retry_wait(url: str, response: requests.Response, limits: Limits, attempt: int) -> float:
    """Seconds to wait before asking again: the server's Retry-After if short enough, else our backoff."""
    asked = retry_after(response.headers.get("Retry-After"))
    if asked is None:
        return limits.backoff * 2 ** attempt
    if asked > limits.max_retry_after:
        raise FetchError(f"the server answered {response.status_code} and asks to wait {_seconds(asked)}; "
                         "try again later", url)
    return asked


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """A Retry-After header in seconds (a number or an HTTP date); None when absent or unreadable."""
    value = (value or "").strip()
    if re.fullmatch(r"[0-9]+", value):
        return float(value)  # float, not int: a 5,000-digit number must not trip int's digit limit
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - (now or dt.datetime.now(dt.timezone.utc))).total_seconds())


def _seconds(value: float) -> str:
    if not math.isfinite(value):
        return "without end"
    return f"{value:.0f} s" if value >= 10 else f"{value:.3g} s"


def _redirect(url: str, hop: str, response: requests.Response) -> str | None:
    """Where a redirect points, checked to be http(s); None when the answer is not a redirect."""
    location = response.headers.get("Location")
    if response.status_code not in REDIRECT_STATUSES or location is None:
        return None
    try:
        target = urljoin(hop, location.strip())
        scheme = urlsplit(target).scheme.lower()
    except ValueError as exc:
        raise FetchError(f"redirected to {location!r}, which is not a valid address", url) from exc
    if scheme not in ("http", "https"):
        raise FetchError(f"redirected to {location!r}, which is not http(s)", url)
    return target


def _failure(url: str, hop: str, exc: Exception, limits: Limits) -> FetchError:
    """One line for a request that failed; a redirect's target is named, since it, not ``url``, is at fault."""
    where = "" if hop == url else f"redirected to {hop[:200]}: "
    return FetchError(where + _what_failed(exc, limits), url)


def _what_failed(exc: Exception, limits: Limits) -> str:
    broken = _cause(exc, http.client.HTTPException)
    if isinstance(exc, requests.ConnectTimeout):
        return f"cannot connect within {limits.connect_timeout:g} s (timed out)"
    if isinstance(exc, requests.Timeout):
        return f"no answer within {limits.read_timeout:g} s (timed out)"
    if isinstance(broken, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(exc, requests.exceptions.InvalidHeader) or broken is not None:
        return f"the server's answer is not valid HTTP: {_detail(broken or exc)}"
    if isinstance(exc, requests.ConnectionError):
        return f"cannot connect: {_reason(exc)}"
    if isinstance(exc, (requests.exceptions.InvalidURL, ValueError)):
        return f"not a valid address: {_reason(exc)}"
    return f"the request failed: {_reason(exc)}"


def _cause(exc: BaseException, kind: type) -> BaseException | None:
    """The first exception of ``kind`` that ``exc`` wraps (in its arguments, as urllib3 does, or as its cause)."""
    seen, todo = set(), [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        todo += [a for a in current.args if isinstance(a, BaseException)]
        todo += [c for c in (current.__cause__, current.__context__) if c is not None]
    return None


def _detail(exc: BaseException) -> str:
    """What was wrong with an answer, short and on one line (it may quote the server's bytes)."""
    text = " ".join(str(exc).split())[:80]
    return f"{type(exc).__name__} ({text})" if text else type(exc).__name__


def _read(url: str, response: requests.Response, limit: int) -> bytes:
    declared = response.headers.get("Content-Length", "").strip()
    if re.fullmatch(r"[0-9]+", declared) and (len(declared) > 15 or int(declared) > limit):
        size = f"{int(declared) // 1024} KB" if len(declared) <= 15 else f"{len(declared)}-digit bytes"
        raise TooLarge(f"the page is {size}, more than the {limit // 1024} KB allowed", url)
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"the page is larger than the {limit // 1024} KB allowed", url)
            chunks.append(chunk)
    except (requests.RequestException, OSError) as exc:  # a body cut off, garbled gzip, a reset
        raise FetchError(f"the page arrived incomplete: {_reason(exc)}", url) from exc
    return b"".join(chunks)


def _reason(exc: Exception) -> str:
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^')]+)|(Connection refused|Read timed out|RemoteDisconnected[^')]*)", text)
    return (match.group(1) or match.group(2)) if match else type(exc).__name__


# ---------------------------------------------------------------- pages

def _http(url: str, etag: str | None, last_modified: str | None, limits: Limits) -> Fetched:
    headers = {"Accept": "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.8"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    def wanted(response: requests.Response) -> bool:
        if response.status_code == 304:
            return False
        if response.status_code != 200:
            raise FetchError(f"the server answered {response.status_code} {response.reason}", url)
        if _media_type(response) not in TEXT_TYPES:
            raise FetchError(f"expected an HTML or text page, got content type {_media_type(response) or 'none'!r}", url)
        return True

    final, response, body = _exchange(url, headers, limits, wanted)
    if response.status_code == 304:
        return Fetched(final, "", "", etag, last_modified, unchanged=True)
    media_type = _media_type(response)
    text = decode(body, response.headers.get("Content-Type", ""), media_type)
    return Fetched(final, text, "text/plain" if media_type == "text/plain" else "text/html",
                   response.headers.get("ETag"), response.headers.get("Last-Modified"))


def _media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


# Codecs that Python files under text encodings but that do not read a page's text: escape
# decoders (which stop at a stray backslash), host-name encodings, one that always fails, and
# UTF-7, which smuggles markup past every check done on the bytes.
NOT_PAGE_ENCODINGS = frozenset({"unicode-escape", "raw-unicode-escape", "undefined", "idna", "punycode", "utf-7"})


def text_encoding(label: str | None) -> str | None:
    """The codec a charset label names if it is a real text encoding for pages, else None."""
    if not label:
        return None
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in NOT_PAGE_ENCODINGS:
        return None
    return info.name


def decode(body: bytes, content_type: str, media_type: str) -> str:
    """Bytes to text: the header's charset, else the page's <meta charset>, else UTF-8, else cp1252.

    Only real text encodings are tried; a label naming anything else counts as no label.
    """
    for label in (_header_charset(content_type), _meta_charset(body) if media_type != "text/plain" else None):
        encoding = text_encoding(label)
        if encoding:
            try:
                return body.decode(encoding)
            except ValueError:  # UnicodeDecodeError, and any other codec's complaint
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


def _file(address: str, etag: str | None, last_modified: str | None, limits: Limits) -> Fetched:
    path = Path(address.removeprefix("file://") if address.startswith("file://") else address)
    data = read_local(path, limits.max_bytes, address, "file")
    media_type = "text/plain" if path.suffix.lower() in (".txt", ".text") else "text/html"
    return Fetched(str(path), decode(data, "", media_type), media_type)


def read_local(path: Path, limit: int, address: str, what: str) -> bytes:
    """A regular file's bytes, at most ``limit``: a device, a pipe or a directory is refused, not read."""
    try:  # O_NONBLOCK: opening a pipe must not wait for a writer; it changes nothing for a regular file
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise FetchError(f"cannot read the {what}: {exc.strerror or exc}", address) from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FetchError(f"cannot read the {what}: not a regular file (a directory, device or pipe); "
                             "name a saved page or picture", address)
        with os.fdopen(os.dup(fd), "rb") as file:
            data = file.read(limit + 1)
    except OSError as exc:
        raise FetchError(f"cannot read the {what}: {exc.strerror or exc}", address) from exc
    finally:
        os.close(fd)
    if len(data) > limit:
        raise TooLarge(f"the {what} is larger than the {limit // 1024} KB allowed", address)
    return data


Retriever = Callable[[str, "str | None", "str | None", Limits], Fetched]
RETRIEVERS: dict[str, Retriever] = {"http": _http, "https": _http, "": _file, "file": _file}


# ---------------------------------------------------------------- pictures

IMAGE_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
               "image/svg+xml": ".svg"}


def fetch_image(address: str, limits: Limits = Limits()) -> tuple[bytes, str]:
    """A picture's bytes and file suffix, from the web or a local file."""
    if urlsplit(address).scheme.lower() in ("http", "https"):
        return _http_image(address, limits)
    path = Path(address.removeprefix("file://"))
    suffix = path.suffix.lower()
    if suffix not in IMAGE_TYPES.values():
        raise FetchError("not a picture file (.png, .jpg, .gif, .webp or .svg)", address)
    return read_local(path, limits.max_bytes, address, "picture"), suffix


def _http_image(address: str, limits: Limits) -> tuple[bytes, str]:
    def wanted(response: requests.Response) -> bool:
        if response.status_code != 200:
            raise FetchError(f"the picture could not be fetched: {response.status_code} {response.reason}", address)
        if _media_type(response) not in IMAGE_TYPES:
            raise FetchError(f"expected a picture, got content type {_media_type(response) or 'none'!r}", address)
        return True

    try:
        _, response, body = _exchange(address, {"Accept": ", ".join(IMAGE_TYPES)}, limits, wanted)
    except FetchError as exc:
        if exc.message.startswith(("the picture", "expected a picture")):
            raise
        raise type(exc)(f"the picture could not be fetched: {exc.message}", address) from exc
    return body, IMAGE_TYPES[_media_type(response)]
