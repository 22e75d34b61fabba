"""Tell a WebSub hub which feeds changed, so subscribers hear of it at once."""

from __future__ import annotations

from collections.abc import Iterable

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pipeline import __version__
from pipeline.model import Finding

TIMEOUT = (5, 15)  # seconds to connect, seconds to wait for an answer
USER_AGENT = f"health-pipeline/{__version__} (WebSub publisher)"


def session(retries: int = 3, backoff: float = 0.5) -> requests.Session:
    """A session that retries connection errors, 429 and 5xx with backoff, honouring Retry-After."""
    retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff,
                  status_forcelist=(429, 500, 502, 503, 504), allowed_methods=None,
                  respect_retry_after_header=True, raise_on_status=False)
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    s.mount("http://", HTTPAdapter(max_retries=retry))
    s.mount("https://", HTTPAdapter(max_retries=retry))
    return s


def ping(hub: str, feed_urls: Iterable[str], http: requests.Session | None = None) -> list[Finding]:
    """Publish-ping the hub once per changed feed; every failure is a finding, never an exception."""
    http = http or session()
    problems: list[Finding] = []
    for url in feed_urls:
        try:
            response = http.post(hub, data={"hub.mode": "publish", "hub.url": url}, timeout=TIMEOUT)
        except requests.RequestException as exc:
            problems.append(Finding("websub.ping-failed", hub, None, f"{url}: {type(exc).__name__}: {exc}"))
            continue
        if not 200 <= response.status_code < 300:
            problems.append(Finding("websub.ping-failed", hub, None,
                                    f"{url}: the hub answered {response.status_code} {response.reason}"))
    return problems
