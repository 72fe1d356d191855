"""The client-id rule (services/common/client_ids.py): what ids look like, and that the generator, which
files reports, and the operator app, which searches, uploads and forgets, use this one rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.common import client_ids
from services.common.client_ids import UNKNOWN_CLIENT, client_key


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Northwind Coffee Co.", "northwind-coffee-co"),
        ("  ACME  GmbH & Co. KG ", "acme-gmbh-co-kg"),
        ("northwind-coffee-co", "northwind-coffee-co"),  # an id is its own id
        ("Brew--Bros__2024", "brew-bros-2024"),
        ("3M", "3m"),
        ("-Dash at both ends-", "dash-at-both-ends"),
        ("Café Zoë", "cafe-zoe"),  # accents folded
        ("東京ガス", "東京ガス"),  # letters of any script are kept
        ("Ørsted A/S", "ørsted-a-s"),
    ],
)
def test_names_become_lower_case_slugs(name: str, expected: str) -> None:
    assert client_key(name) == expected


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_an_empty_name_is_the_unknown_client(name: str) -> None:
    assert client_key(name) == UNKNOWN_CLIENT == "unknown-client"


def test_clients_in_other_scripts_or_without_letters_never_share_an_id() -> None:
    assert client_key("東京") != client_key("大阪")
    assert client_key("***") != client_key("—") and client_key("***").startswith("client-")
    assert client_key("***") == client_key(" *** ")


def test_ids_are_never_empty_and_stable() -> None:
    for name in ("", "x", "Northwind Coffee Co.", "!!"):
        key = client_key(name)
        assert key and client_key(key) == key


def test_the_module_needs_nothing_but_the_standard_library() -> None:
    """Both the generator and the app import it; it must not pull either one in."""
    source = Path(client_ids.__file__).read_text(encoding="utf-8")
    imports = [line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["__future__", "hashlib", "re", "unicodedata"]


def test_the_generator_and_the_app_use_this_rule() -> None:
    from services.generator.service_layer import generation
    from ui import learn_tab

    assert generation.client_key is client_key  # still importable from there (tests use it)
    assert vars(learn_tab)["client_key"] is client_key
