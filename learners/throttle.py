"""Rate limits shared by every app process: log-in guesses (site and admin), sign-ups and reset mails.

Counters live in the database (`learners.Counter`), so every worker counts the same guesses and a
restart forgets nothing. A guess is counted under a row lock *before* the password is checked, so
thirty guesses at once cannot slip past a limit of five.

Log-in counts per client address + username (a few guesses) and per username from anywhere (many
more): one attacker is slowed down quickly, while locking a user out takes many addresses and lasts
only until the window ends. Usernames are compared as Django compares them, after NFKC, and
case-folded, so "ＡＤＭＩＮ" and "admin" share one count.
"""

import hashlib
import ipaddress
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import Counter


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


def login_limits() -> tuple[Limit, Limit]:
    return (
        Limit("login-address-username", settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_WINDOW),
        Limit("login-username", settings.LOGIN_USERNAME_LIMIT, settings.LOGIN_FAILURE_WINDOW),
    )


def signup_limit() -> Limit:
    return Limit("signup-address", settings.SIGNUP_LIMIT, settings.SIGNUP_WINDOW)


def password_reset_limits() -> tuple[Limit, Limit]:
    return (
        Limit("reset-address", settings.PASSWORD_RESET_ADDRESS_LIMIT, settings.PASSWORD_RESET_WINDOW),
        Limit("reset-email", settings.PASSWORD_RESET_EMAIL_LIMIT, settings.PASSWORD_RESET_WINDOW),
    )


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the trusted proxy's header when one is configured.

    With CLIENT_IP_HEADER set (say X-Forwarded-For) and TRUSTED_PROXY_COUNT proxies in front, the
    client is the address the outermost trusted proxy appended; anything further left was sent by
    the client and is not trusted.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    header = settings.CLIENT_IP_HEADER
    if not header:
        return remote
    hops = [part.strip() for part in request.META.get(header, "").split(",") if part.strip()]
    if len(hops) < settings.TRUSTED_PROXY_COUNT:
        return remote
    candidate = hops[-settings.TRUSTED_PROXY_COUNT]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).casefold().strip()


def _key(limit: Limit, *parts: str) -> str:
    return hashlib.sha256("|".join([limit.name, *parts]).encode()).hexdigest()


def hit(limit: Limit, *parts: str) -> int:
    """Count one attempt; the seconds to wait if it is over the limit, else 0."""
    now = timezone.now()
    with transaction.atomic():
        counter, _ = Counter.objects.select_for_update().get_or_create(
            key=_key(limit, *parts), defaults={"window_started_at": now}
        )
        window_ends = counter.window_started_at + timedelta(seconds=limit.seconds)
        if now >= window_ends:
            counter.count, counter.window_started_at = 0, now
            window_ends = now + timedelta(seconds=limit.seconds)
        counter.count += 1
        counter.save(update_fields=["count", "window_started_at"])
    if counter.count <= limit.count:
        return 0
    return max(1, int((window_ends - now).total_seconds()))


def forgive(limit: Limit, *parts: str) -> None:
    """Take back one counted attempt (it succeeded)."""
    with transaction.atomic():
        counter = Counter.objects.select_for_update().filter(key=_key(limit, *parts)).first()
        if counter is not None and counter.count > 0:
            counter.count -= 1
            counter.save(update_fields=["count"])


def clear(limit: Limit, *parts: str) -> None:
    Counter.objects.filter(key=_key(limit, *parts)).delete()


def login_attempt(request: HttpRequest, username: str) -> int:
    """Count a log-in attempt before its password is checked; seconds to wait, or 0 to go ahead."""
    pair, per_username = login_limits()
    address, name = client_address(request), normalise_username(username)
    # A refused guess does not count against the username, so one address alone cannot lock it.
    return hit(pair, address, name) or hit(per_username, name)


def login_succeeded(request: HttpRequest, username: str) -> None:
    pair, per_username = login_limits()
    name = normalise_username(username)
    clear(pair, client_address(request), name)
    forgive(per_username, name)


def signup_attempt(request: HttpRequest) -> int:
    """Count an account creation from this address; seconds to wait, or 0 to go ahead."""
    return hit(signup_limit(), client_address(request))


def password_reset_attempt(request: HttpRequest, email: str) -> tuple[str, int]:
    """Count a request for a reset link: ("address" or "email", seconds to wait), or ("", 0) to send.

    Every well-formed request counts, whether or not an account uses the e-mail, so the answer never
    tells which addresses have accounts. The e-mail is compared as Django's reset form compares it (NFKC,
    case-folded). A request refused for its address does not count against the e-mail.
    """
    per_address, per_email = password_reset_limits()
    wait = hit(per_address, client_address(request))
    if wait:
        return "address", wait
    wait = hit(per_email, normalise_username(email))
    return ("email", wait) if wait else ("", 0)
