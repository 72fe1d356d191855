"""Signed access tokens (JWT, HS256) and the key set that signs and verifies them.

A key set holds several keys, each with an id (`kid`, in every token's header). The first key signs; every
key verifies. So a rotation never refuses a call: add a key (it signs from then on, and tokens signed with
the old one still verify), wait out the token lifetime, retire the old key.

Where the keys come from (one place, `CommonSettings`):

- `AICMO_AUTH_KEYS`: `kid:secret[,kid:secret...]` (the first signs; secrets are at least 32 characters),
  for deployments that keep keys in a secret store; rotate by changing it and restarting replicas.
- otherwise the key set file `$AICMO_DATA_DIR/auth/keyset.json` (mode 0600), made on first start; the
  services re-read it when it changes, so `python -m services.memory keys add|retire` rotates while running.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt

from services.common.logging import register_secret

ALGORITHM = "HS256"
ISSUER = "aicmo"
MIN_SECRET_LENGTH = 32
# How often a service looks whether the key set file changed (a rotation reaches every process this fast).
RELOAD_SECONDS = 1.0


class KeySetError(ValueError):
    """A key set that cannot be used (said without any secret)."""


class InvalidToken(Exception):
    """A token that does not verify: its reason is safe to show (never the token)."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    secret: str
    created: str = ""


@dataclass(frozen=True)
class KeySet:
    keys: tuple[SigningKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeySetError("the key set has no key")
        kids = [key.kid for key in self.keys]
        if len(set(kids)) != len(kids):
            raise KeySetError("two keys share a kid")
        for key in self.keys:
            if not key.kid or len(key.kid) > 64 or not key.kid.replace("-", "").replace("_", "").isalnum():
                raise KeySetError("a kid must be 1-64 letters, digits, '-' or '_'")
            if len(key.secret) < MIN_SECRET_LENGTH:
                raise KeySetError(f"key {key.kid}: a secret must be at least {MIN_SECRET_LENGTH} characters")
            register_secret(key.secret)

    @property
    def active(self) -> SigningKey:
        return self.keys[0]

    def find(self, kid: str) -> SigningKey | None:
        return next((key for key in self.keys if key.kid == kid), None)

    @classmethod
    def parse_env(cls, value: str) -> KeySet:
        """`kid:secret,kid:secret` (AICMO_AUTH_KEYS)."""
        keys = []
        for part in value.split(","):
            kid, sep, secret = part.strip().partition(":")
            if not sep:
                raise KeySetError("AICMO_AUTH_KEYS must be kid:secret[,kid:secret...]")
            keys.append(SigningKey(kid.strip(), secret.strip()))
        return cls(tuple(keys))

    def to_json(self) -> dict[str, Any]:
        return {"keys": [{"kid": k.kid, "secret": k.secret, "created": k.created} for k in self.keys]}

    @classmethod
    def from_json(cls, data: Any) -> KeySet:
        try:
            return cls(
                tuple(
                    SigningKey(str(k["kid"]), str(k["secret"]), str(k.get("created", "")))
                    for k in data["keys"]
                )
            )
        except (KeyError, TypeError) as exc:
            raise KeySetError('the key set file is not {"keys": [{"kid", "secret"}, ...]}') from exc


def new_key(kid: str | None = None) -> SigningKey:
    now = datetime.now(UTC)
    return SigningKey(
        kid or now.strftime("k%Y%m%d%H%M%S") + secrets.token_hex(2),
        secrets.token_urlsafe(48),
        now.isoformat(timespec="seconds"),
    )


def keyset_path(data_dir: Path) -> Path:
    return data_dir / "auth" / "keyset.json"


def write_keyset(path: Path, keyset: KeySet) -> None:
    """Replaces the file atomically (readers see the old or the new set, never half), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(keyset.to_json(), out, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def read_keyset(path: Path) -> KeySet:
    try:
        return KeySet.from_json(json.loads(path.read_text()))
    except json.JSONDecodeError as exc:
        raise KeySetError(f"{path} is not JSON") from exc


def load_or_create_keyset(path: Path) -> KeySet:
    """The key set file, made with one new key when absent (two processes starting at once agree)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(KeySet((new_key(),)).to_json(), out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)  # fails if another process made it first: theirs is kept
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return read_keyset(path)


class KeySource:
    """The current key set: fixed (AICMO_AUTH_KEYS) or the file, re-read when it changes."""

    def __init__(self, fixed: KeySet | None = None, path: Path | None = None) -> None:
        if fixed is None and path is None:
            raise KeySetError("a key source needs keys or a key set file")
        self._path = path
        self._lock = threading.Lock()
        self._checked = 0.0
        self._stamp: tuple[int, int] | None = None
        self._keys = fixed if fixed is not None else self._load()

    def _load(self) -> KeySet:
        assert self._path is not None
        keyset = load_or_create_keyset(self._path)
        stat = self._path.stat()
        self._stamp = (stat.st_mtime_ns, stat.st_ino)
        return keyset

    def current(self) -> KeySet:
        if self._path is None:
            return self._keys
        now = time.monotonic()
        if now - self._checked < RELOAD_SECONDS:
            return self._keys
        with self._lock:
            self._checked = now
            with contextlib.suppress(OSError):
                stat = self._path.stat()
                if (stat.st_mtime_ns, stat.st_ino) != self._stamp:
                    # a broken edit keeps the last good set (`keys list` says what is wrong)
                    with contextlib.suppress(KeySetError):
                        self._keys = self._load()
        return self._keys


@dataclass(frozen=True)
class Claims:
    subject: str
    role: str
    expires_at: int
    kid: str


def issue_token(keys: KeySet, subject: str, role: str, ttl_seconds: int, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    key = keys.active
    token = jwt.encode(
        {"sub": subject, "role": role, "iat": issued, "exp": issued + ttl_seconds, "iss": ISSUER},
        key.secret,
        algorithm=ALGORITHM,
        headers={"kid": key.kid},
    )
    return str(token)


def verify_token(keys: KeySet, token: str) -> Claims:
    """The token's claims, or InvalidToken saying why (unknown key, bad signature, expired, malformed)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("the bearer token is not a signed token") from exc
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidToken("the token names no signing key")
    key = keys.find(kid)
    if key is None:
        raise InvalidToken("the token's signing key is not (or no longer) valid")
    try:
        claims = jwt.decode(
            token,
            key.secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the token has expired: sign in again") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("the token does not verify") from exc
    role = claims.get("role")
    if not isinstance(role, str) or not isinstance(claims["sub"], str):
        raise InvalidToken("the token carries no role")
    return Claims(subject=claims["sub"], role=role, expires_at=int(claims["exp"]), kid=kid)
