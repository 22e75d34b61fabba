"""Site settings: one TOML file, ``sources/site.toml``."""

from __future__ import annotations

import ipaddress
import re
import tomllib
import zoneinfo
from urllib.parse import urlsplit
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError

from pipeline.errors import ConfigError

CONFIG_PATH = "sources/site.toml"
TEMPLATE_LANG = "en"  # the language the page templates are written in
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}\Z")  # the shape of a language code, wherever one is read
# Every shape check anchors with \Z, never $: "$" also matches before a final newline, and a
# key "veins\n" would pass.
TOPIC_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")


@dataclass(frozen=True)
class SiteConfig:
    """The settings every stage may read."""

    title: str  # site name, in English; translated through the site catalog
    description: str  # one line about the site, in English; translated likewise
    base_url: str  # absolute, ends with "/", e.g. "https://health.example.org/"
    languages: tuple[str, ...]  # site languages, the first is the default
    publisher: str  # the organisation's proper name, shown untranslated in every language
    contact_email: str  # where readers send feedback
    time_zone: str  # IANA name; the build date is taken in this zone
    reference_language: str  # language of a reference that does not say
    topics: dict[str, str]  # allowed topic keys and their English names (translated in the site catalog)
    feed_size: int  # newest entries per feed
    websub_hub: str | None  # WebSub hub that feeds advertise and publish pings, if any
    tag_authority: str  # the domain in feed ids (tag URIs); keep it when the site moves
    newsletter_unsubscribe: str  # the mail service's unsubscribe placeholder, e.g. *|UNSUB|*
    review_window_days: int  # warn this many days before a planned review falls due
    overdue_notice: bool  # show readers a notice on pages whose planned review has passed
    version_history: bool  # link every article page to a list of its versions
    lines: dict[str, int]  # the line each key is set on, for messages and catalog locations
    ingest_allow_hosts: tuple[str, ...] = ()  # internal hosts, addresses or networks ingest may fetch from

    @property
    def default_language(self) -> str:
        return self.languages[0]


def load_config(root: Path) -> SiteConfig:
    """Read and check ``sources/site.toml`` below ``root``."""
    path = root / CONFIG_PATH
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ConfigError("site settings file is missing; create it (see README)", CONFIG_PATH) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", CONFIG_PATH) from exc
    site = data.get("site")
    if not isinstance(site, dict):
        raise ConfigError("a [site] table is required", CONFIG_PATH)
    return _site_config(site, text)


def _site_config(site: dict, text: str) -> SiteConfig:
    def field(key: str, kind: type = str):
        value = site.get(key)
        if not isinstance(value, kind) or not value:
            what = "a list" if kind is list else "a text"
            raise ConfigError(f"'{key}' must be {what} and not empty", CONFIG_PATH, line_of(text, key))
        return value

    languages = tuple(field("languages", list))
    for lang in languages:
        _check_language(lang, text)
    reference_language = site.get("reference_language", "en")
    _check_language(reference_language, text, key="reference_language")
    base_url = field("base_url")
    if not re.match(r"^https?://[^/\s]+/\S*\Z", base_url + "/") or not base_url.endswith("/"):
        raise ConfigError("'base_url' must be an absolute http(s) URL ending in '/'", CONFIG_PATH, line_of(text, "base_url"))
    time_zone = site.get("time_zone", "Europe/Berlin")
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone '{time_zone}'", CONFIG_PATH, line_of(text, "time_zone")) from exc
    topics = site.get("topics", {})
    if not isinstance(topics, dict) or not all(
            isinstance(k, str) and TOPIC_KEY.match(k) and isinstance(v, str) and v.strip() for k, v in topics.items()):
        raise ConfigError("[site.topics] must map topic keys (lowercase words joined by '-') to their English names, "
                          'e.g. veins = "Veins"', CONFIG_PATH, line_of(text, "[site.topics]", prefix=""))
    hub = site.get("websub_hub")
    if hub is not None and (not isinstance(hub, str) or not re.match(r"^https?://\S+\Z", hub)):
        raise ConfigError("'websub_hub' must be an http(s) URL", CONFIG_PATH, line_of(text, "websub_hub"))
    options = {key: site.get(key, default) for key, default in
               (("review_window_days", 90), ("overdue_notice", False), ("version_history", True), ("feed_size", 50))}
    for key, value in options.items():
        expected = int if key in ("review_window_days", "feed_size") else bool
        if type(value) is not expected or (expected is int and value < 0):
            what = "a whole number" if expected is int else "true or false"
            raise ConfigError(f"'{key}' must be {what}", CONFIG_PATH, line_of(text, key))
    return SiteConfig(
        title=field("title"),
        description=field("description"),
        base_url=base_url,
        languages=languages,
        publisher=field("publisher"),
        contact_email=field("contact_email"),
        time_zone=time_zone,
        reference_language=reference_language,
        topics=dict(topics),
        websub_hub=hub,
        tag_authority=_authority(site, base_url, text),
        newsletter_unsubscribe=str(site.get("newsletter_unsubscribe", "*|UNSUB|*")),
        **options,
        lines={key: line_of(text, key) or 1 for key in [*site, *topics]},
        ingest_allow_hosts=_allow_hosts(site, text),
    )


_HOST_NAME = re.compile(r"^(?=.{1,253}\.?\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?\Z", re.IGNORECASE)


def _allow_hosts(site: dict, text: str) -> tuple[str, ...]:
    """The internal hosts ingest may fetch from: names as written in URLs, addresses, networks."""
    entries = site.get("ingest_allow_hosts", [])
    wrong = [e for e in entries if not (isinstance(e, str) and (_HOST_NAME.match(e) or _is_network(e)))] \
        if isinstance(entries, list) else [entries]
    if wrong:
        raise ConfigError(f"'ingest_allow_hosts' must be a list of host names, IP addresses or networks, "
                          f'e.g. ["intranet.example.org", "10.1.0.0/16"]; {wrong[0]!r} is none of these',
                          CONFIG_PATH, line_of(text, "ingest_allow_hosts"))
    return tuple(entries)


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _authority(site: dict, base_url: str, text: str) -> str:
    value = site.get("tag_authority", urlsplit(base_url).hostname)
    if not isinstance(value, str) or not re.match(r"^[a-z0-9.-]+\Z", value):
        raise ConfigError("'tag_authority' must be a domain name like health.example.org", CONFIG_PATH,
                          line_of(text, "tag_authority"))
    return value


def _check_language(lang: object, text: str, key: str = "languages") -> None:
    try:
        if not isinstance(lang, str) or not LANGUAGE_CODE.match(lang):
            raise UnknownLocaleError(str(lang))
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError) as exc:
        raise ConfigError(f"'{lang}' is not a language code like 'en' or 'de'", CONFIG_PATH, line_of(text, key)) from exc


def line_of(text: str, key: str, prefix: str = "=") -> int | None:
    """The line a key is set on; tomllib keeps no positions."""
    match = re.search(rf"^\s*{re.escape(key)}\s*{prefix}", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None
