"""Tell a WebSub hub which feeds changed, so subscribers hear of it at once.

A hub that is down, slow or asks to be left alone must not hold a publish: all pings of one
publish share one bound in time (``PingLimits.total``), a Retry-After longer than we would wait
is given up at once, and every feed not pinged is a finding, never an exception.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import requests

from pipeline import __version__
from pipeline.fetch import RETRY_STATUSES, Watchdog, guarded_session, retry_after
from pipeline.model import Finding

USER_AGENT = f"health-pipeline/{__version__} (WebSub publisher)"


@dataclass(frozen=True)
class PingLimits:
    """How patient the pings of one publish are; tests shorten them."""

    connect_timeout: float = 5.0  # seconds to connect
    read_timeout: float = 15.0  # seconds to wait for an answer
    retries: int = 3  # tries after the first, on connection errors, 429 and 5xx
    backoff: float = 0.5  # seconds, doubled on each retry
    max_retry_after: float = 60.0  # longest Retry-After waited for; a hub asking more is not asked again
    total: float = 60.0  # seconds for all pings of one publish, retries and slow answers included


class _GiveUp(Exception):
    """The hub will not be asked again in this publish; the message says why."""


def ping(hub: str, feed_urls: Iterable[str], limits: PingLimits = PingLimits()) -> list[Finding]:
    """Publish-ping the hub once per changed feed, within ``limits.total`` seconds in all.

    Every failure is a finding, never an exception. The hub is the site's own setting, so its
    address is not vetted as ingest's are.
    """
    problems: list[Finding] = []
    given_up: str | None = None
    with Watchdog(limits.total) as watchdog, guarded_session(None, watchdog, USER_AGENT) as http:
        for url in feed_urls:
            if given_up is None:
                try:
                    failure = _ping_one(http, hub, url, limits, watchdog)
                except _GiveUp as exc:
                    given_up = failure = str(exc)
            else:
                failure = f"not pinged: {given_up}"
            if failure:
                problems.append(Finding("websub.ping-failed", hub, None, f"{url}: {failure}"))
    return problems


def _ping_one(http: requests.Session, hub: str, url: str, limits: PingLimits, watchdog: Watchdog) -> str | None:
    """Why pinging ``url`` failed, or None when the hub took it."""
    for attempt in range(max(limits.retries, 0) + 1):
        last = attempt >= limits.retries
        remaining = watchdog.remaining()
        if remaining <= 0:
            raise _GiveUp(_late(limits))
        try:
            # stream: only the status matters, and the body, however long, is never read
            response = http.post(hub, data={"hub.mode": "publish", "hub.url": url}, stream=True,
                                 timeout=(min(limits.connect_timeout, remaining), min(limits.read_timeout, remaining)))
            response.close()
        except (requests.RequestException, ValueError) as exc:
            if watchdog.expired:
                raise _GiveUp(_late(limits)) from exc
            if last:
                return f"{type(exc).__name__}: {exc}"
            wait = limits.backoff * 2 ** attempt
        else:
            if 200 <= response.status_code < 300:
                return None
            answer = f"the hub answered {response.status_code} {response.reason}"
            if last or response.status_code not in RETRY_STATUSES:
                return answer
            asked = retry_after(response.headers.get("Retry-After"))
            if asked is not None and asked > limits.max_retry_after:
                raise _GiveUp(f"{answer} and asks to wait {asked:.0f} s; publish again later to tell it")
            wait = limits.backoff * 2 ** attempt if asked is None else asked
        if wait >= watchdog.remaining():
            raise _GiveUp(f"waiting {wait:.1f} s to ask again would pass the {limits.total:g} s allowed for pinging "
                          "the hub; publish again later to tell it")
        time.sleep(wait)
    raise AssertionError("unreachable: the last attempt returns")


def _late(limits: PingLimits) -> str:
    return (f"the {limits.total:g} s allowed for pinging the hub ran out (it is slow or down); "
            "publish again later to tell it")
