"""People: accounts with argon2id password hashes, sign-in, and the first admin of a new installation."""

from __future__ import annotations

import functools
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.common.auth import ROLES
from services.common.domain_errors import InvalidArgument, NotFound
from services.common.logging import register_secret
from services.memory.domain.people import AccountRow
from services.memory.service_layer.ports import AccountStore

NAME_PATTERN = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
FIRST_ADMIN = "admin"
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name costs what a wrong password costs (made on
    first use: a hash takes a good part of a second, which a start should not pay)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class NameTaken(Exception):
    pass


class TooManyAttempts(Exception):
    """Sign-in for this name is paused after repeated wrong passwords."""


class SignInThrottle:
    """After MAX_FAILURES wrong passwords for a name within WINDOW seconds, that name's sign-ins are refused
    for PAUSE seconds (per memory replica; argon2 already makes each guess cost a good part of a second)."""

    MAX_FAILURES = 5
    WINDOW = 300.0
    PAUSE = 60.0
    MAX_NAMES = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}
        self._paused: dict[str, float] = {}

    def paused(self, name: str) -> bool:
        with self._lock:
            until = self._paused.get(name)
            if until is None:
                return False
            if self._clock() >= until:
                del self._paused[name]
                self._failures.pop(name, None)
                return False
            return True

    def failed(self, name: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= self.MAX_NAMES:
                self._failures.clear()  # bounded: a flood of made-up names cannot grow it without end
            recent = [t for t in self._failures.get(name, []) if now - t < self.WINDOW] + [now]
            self._failures[name] = recent
            if len(recent) >= self.MAX_FAILURES:
                self._paused[name] = now + self.PAUSE

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)


def check_name(name: str, field: str = "name") -> str:
    if not NAME_PATTERN.match(name):
        raise InvalidArgument(field, "a name is 1-64 letters, digits, '.', '_', '-' or '@'")
    return name


def check_role(role: str, field: str = "role") -> str:
    if role not in ROLES:
        raise InvalidArgument(field, f"the role must be one of {', '.join(ROLES)}")
    return role


def check_password(password: str, field: str = "password") -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidArgument(field, f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH or "\x00" in password:
        raise InvalidArgument(field, f"a password has at most {MAX_PASSWORD_LENGTH} characters and no NUL")
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass
class People:
    accounts: AccountStore
    throttle: SignInThrottle = field(default_factory=SignInThrottle)

    def sign_in(self, name: str, password: str) -> AccountRow | None:
        """The account when the name and password match and it is enabled; None otherwise (no reason given
        to the caller: which of the two was wrong is not said). TooManyAttempts after repeated failures."""
        if self.throttle.paused(name):
            raise TooManyAttempts(name)
        account = self.accounts.get(name) if NAME_PATTERN.match(name) else None
        if account is None:
            password_matches(_dummy_hash(), password)
            self.throttle.failed(name)
            return None
        if not password_matches(account.password_hash, password) or account.disabled:
            self.throttle.failed(name)
            return None
        self.throttle.succeeded(name)
        if _HASHER.check_needs_rehash(account.password_hash):
            self.accounts.update(name, password_hash=hash_password(password))
        return account

    def add(self, name: str, role: str, password: str) -> AccountRow:
        check_name(name)
        check_role(role)
        check_password(password)
        made = self.accounts.create(name, role, hash_password(password))
        if made is None:
            raise NameTaken(name)
        return made

    def set_role(self, name: str, role: str) -> AccountRow:
        check_role(role)
        return self._found(self.accounts.update(check_name(name), role=role), name)

    def set_disabled(self, name: str, disabled: bool) -> AccountRow:
        return self._found(self.accounts.update(check_name(name), disabled=disabled), name)

    def set_password(self, name: str, password: str) -> AccountRow:
        check_password(password)
        return self._found(
            self.accounts.update(check_name(name), password_hash=hash_password(password)), name
        )

    def ensure_first_admin(self, password: str | None) -> str | None:
        """With no account at all, makes `admin` with `password` (AICMO_ADMIN_PASSWORD) or a new random one.
        Returns the password made up (to print once), or None (given, or accounts existed)."""
        if self.accounts.count():
            return None
        made_up = password is None
        chosen = password if password is not None else secrets.token_urlsafe(15)
        check_password(chosen, "AICMO_ADMIN_PASSWORD")
        register_secret(chosen)
        if not self.accounts.create_first_admin(FIRST_ADMIN, hash_password(chosen)):
            return None
        return chosen if made_up else None

    @staticmethod
    def _found(row: AccountRow | None, name: str) -> AccountRow:
        if row is None:
            raise NotFound(f"no account named {name[:64]}")
        return row
