"""The client id a client's learning is filed under: one rule for the generator (which files reports) and
the operator app (which searches, uploads and forgets by it). Dependency-free, so both can import it.

The id is the client's name, accents folded (é → e), lower-cased, with every run of characters that are
neither letters nor digits (of any script) turned into one "-" and none at either end: "Northwind Coffee
Co." → "northwind-coffee-co", "Café Zoë" → "cafe-zoe", "東京ガス" → "東京ガス". A name with no letter or digit
at all ("—", "***") gets "client-" and a short hash of the name, so two such clients never share an id
(and an id is never empty). Stored items and forgets use these ids: changing the rule needs a migration
(see services/memory/migrations/versions/0005_client_ids_any_script.py).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

UNKNOWN_CLIENT = "unknown-client"  # only for an empty name

_NOT_ID = re.compile(r"[\W_]+")


def client_key(name: str) -> str:
    """The client id for a client's name: "Northwind Coffee Co." → "northwind-coffee-co"."""
    stripped = name.strip()
    if not stripped:
        return UNKNOWN_CLIENT
    key = _NOT_ID.sub("-", "".join(map(_fold, stripped)).lower()).strip("-")
    return key or "client-" + hashlib.sha256(stripped.encode("utf-8")).hexdigest()[:12]


def _fold(char: str) -> str:
    """A Latin letter without its accent (é → e); any other character as it is (ガ stays ガ)."""
    base = unicodedata.normalize("NFKD", char)[:1]
    return base if base.isascii() and base.isalpha() else char
