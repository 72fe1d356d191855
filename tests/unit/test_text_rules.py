"""The one rule for text Postgres can store, used at every edge."""

from __future__ import annotations

import pytest

from services.common.domain_errors import InvalidArgument
from services.common.text_rules import check_storable, check_storable_json, unstorable_reason


@pytest.mark.parametrize("value", ["plain", "emoji 🎉 and accents é", "tabs\tand\nnewlines", ""])
def test_storable_text_passes(value: str) -> None:
    assert unstorable_reason(value) is None
    assert check_storable("f", value) == value


@pytest.mark.parametrize("value", ["a\x00b", "lone \ud800 surrogate", "\udfff"])
def test_unstorable_text_is_refused_naming_the_field(value: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        check_storable("item.text", value)
    assert err.value.field == "item.text"


def test_json_is_checked_through_keys_values_and_lists() -> None:
    check_storable_json("metadata", {"a": ["fine", {"b": "fine"}], "n": 3, "x": None})
    with pytest.raises(InvalidArgument) as err:
        check_storable_json("metadata", {"a": ["fine", {"b": "bad\x00"}]})
    assert err.value.field == "metadata.a[1].b"
    with pytest.raises(InvalidArgument) as err:
        check_storable_json("metadata", {"bad\x00key": 1})
    assert err.value.field == "metadata"
