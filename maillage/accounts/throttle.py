"""One throttle for every way in: site login, admin login, password reset, invitation, TOTP step.

* Keys are the normalised e-mail (``strip().lower()``) and the client IP (from ``client_ip``, which only
  believes ``X-Forwarded-For`` when the direct peer is a trusted proxy, setting ``TRUSTED_PROXIES``).
* Only failures count. An attempt *reserves* a slot before the password (or code) is checked and gives
  it back when it succeeds, so that concurrent attempts from several workers never exceed the limit.
* Slots live in the ``throttle`` cache, shared by every worker: Django's database cache on a default
  install (table created by the accounts migrations), Redis when ``REDIS_URL`` is set. A slot is taken
  with ``cache.add`` which is atomic on both (unique key / ``SET NX``).
* When the cache is unreachable the throttle fails closed: the attempt is refused.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

logger = logging.getLogger(__name__)

CACHE_ALIAS = "throttle"


@dataclass(frozen=True)
class Rule:
    """At most ``account`` failures per e-mail and ``ip`` failures per address within ``window`` seconds."""

    account: int
    ip: int
    window: int


def _rules() -> dict[str, Rule]:
    window = int(getattr(settings, "LOGIN_THROTTLE_WINDOW_SECONDS", 15 * 60))
    return {
        # Password logins (site and admin share the scope: trying one does not give fresh tries on the other).
        "login": Rule(account=5, ip=30, window=window),
        # Second step: 5 wrong codes lock the step for the account.
        "totp": Rule(account=5, ip=30, window=window),
        # Reset requests send e-mails: every request counts (no mail bombing, no enumeration by timing).
        "reset": Rule(account=5, ip=30, window=window),
        # Invitation and reset links: wrong or forged tokens from one address.
        "token": Rule(account=5, ip=20, window=window),
        # « Demander un accès »: each request counts (it e-mails the coordinators).
        "request": Rule(account=3, ip=10, window=window),
    }


def normalise_email(value: object) -> str:
    return str(value or "").strip().lower()[:254]


def _trusted_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in getattr(settings, "TRUSTED_PROXIES", []) or []:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            logger.warning("TRUSTED_PROXIES : adresse ignorée %r", item)
    return networks


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request: Any) -> str:
    """The client's address: ``REMOTE_ADDR``, or the right-most untrusted hop of ``X-Forwarded-For``.

    ``X-Forwarded-For`` is only read when the direct peer is one of ``TRUSTED_PROXIES``; hops added by
    trusted proxies are skipped from the right, so a client cannot forge its address by sending the header.
    """
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    networks = _trusted_networks()

    def trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in networks)

    if not networks or not trusted(_parse_ip(remote)):
        return remote
    hops = [
        hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()
    ]
    for hop in reversed(hops):
        address = _parse_ip(hop)
        if address is None:
            return remote  # garbage in the header: fall back on the proxy's address (stricter, shared)
        if not trusted(address):
            return str(address)
    return remote


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


@dataclass
class Attempt:
    """A reserved attempt: ``allowed`` is False when a limit is reached (or the cache is down)."""

    scope: str
    allowed: bool
    slots: list[str] = field(default_factory=list)

    def succeeded(self) -> None:
        """Give the reserved slots back: a success is not a failure."""
        if not self.allowed or not self.slots:
            return
        try:
            caches[CACHE_ALIAS].delete_many(self.slots)
            self.slots = []
        except Exception:  # noqa: BLE001 — a success that cannot be refunded only costs one try later
            logger.exception("Throttle: impossible de rendre la tentative")

    def failed(self) -> None:
        """Nothing to do: the slots stay taken until the window expires."""


def _take_slot(cache: BaseCache, prefix: str, limit: int, window: int) -> str | None:
    """Atomically take one free slot among ``limit``; None when all are taken."""
    keys = [f"{prefix}:{i}" for i in range(limit)]
    taken = cache.get_many(keys)
    for key in keys:
        if key in taken:
            continue
        if cache.add(key, 1, window):
            return key
    return None


def attempt(scope: str, *, email: str = "", ip: str = "") -> Attempt:
    """Reserve one attempt for (``email``, ``ip``) in ``scope``. Fails closed if the cache is down."""
    rule = _rules()[scope]
    cache = caches[CACHE_ALIAS]
    checks = []
    email = normalise_email(email)
    if email:
        checks.append((f"throttle:{scope}:account:{_digest(email)}", rule.account))
    if ip:
        checks.append((f"throttle:{scope}:ip:{_digest(ip)}", rule.ip))
    slots: list[str] = []
    try:
        for prefix, limit in checks:
            slot = _take_slot(cache, prefix, limit, rule.window)
            if slot is None:
                cache.delete_many(slots)  # the other key's slot was not used
                return Attempt(scope, allowed=False)
            slots.append(slot)
    except Exception:  # noqa: BLE001 — any cache failure refuses the attempt rather than allowing brute force
        logger.exception("Throttle: cache indisponible, tentative refusée")
        return Attempt(scope, allowed=False)
    return Attempt(scope, allowed=True, slots=slots)


def is_locked(scope: str, *, email: str = "", ip: str = "") -> bool:
    """Whether a limit is reached, without reserving anything (to show the lock before a form)."""
    rule = _rules()[scope]
    cache = caches[CACHE_ALIAS]
    try:
        email = normalise_email(email)
        if email:
            prefix = f"throttle:{scope}:account:{_digest(email)}"
            if len(cache.get_many([f"{prefix}:{i}" for i in range(rule.account)])) >= rule.account:
                return True
        if ip:
            prefix = f"throttle:{scope}:ip:{_digest(ip)}"
            if len(cache.get_many([f"{prefix}:{i}" for i in range(rule.ip)])) >= rule.ip:
                return True
    except Exception:  # noqa: BLE001
        return True
    return False


def window_minutes() -> int:
    return max(1, _rules()["login"].window // 60)
