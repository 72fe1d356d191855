"""Pure rules of the memory domain: validation, JSON-safe metadata, ranking, redaction."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest

from services.common.domain_errors import InvalidArgument
from services.common.logging import redact, register_secret
from services.memory.adapters.database import redact_url
from services.memory.domain.model import (
    ranking_score,
    to_jsonable,
    validate_new_item,
    validate_page_size,
    validate_rating,
    validate_top_k,
)
from services.memory.settings import MemorySettings


def test_metadata_types_become_json() -> None:
    value = {
        "date": dt.date(2026, 1, 2),
        "when": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "amount": decimal.Decimal("12.50"),
        "id": uuid.UUID(int=1),
        "nested": [{"d": dt.date(2026, 2, 1)}, {1, 2}],
        "nan": float("nan"),
    }
    out = to_jsonable(value)
    assert out["date"] == "2026-01-02"
    assert out["when"] == "2026-01-02T03:04:05+00:00"
    assert out["amount"] == "12.50"
    assert out["id"] == "00000000-0000-0000-0000-000000000001"
    assert out["nested"][0] == {"d": "2026-02-01"}
    assert sorted(out["nested"][1]) == [1, 2]
    assert out["nan"] == "nan"


def test_validation_names_fields_with_prefix() -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_new_item(kind="k", text="", field_prefix="requests[3].item")
    assert err.value.field == "requests[3].item.text"
    with pytest.raises(InvalidArgument) as err:
        validate_new_item(
            kind="k", text="x", idempotency_key="k" * 201, key_field="requests[3].idempotency_key"
        )
    assert err.value.field == "requests[3].idempotency_key"
    with pytest.raises(InvalidArgument) as err:
        validate_new_item(kind="k", text="x", tags=["ok", "t" * 65])
    assert err.value.field == "item.tags[1]"


def test_item_is_normalised() -> None:
    item = validate_new_item(kind=" full_report ", text="body", title="  Title ", tags=["a", "a", " b "])
    assert item.kind == "full_report" and item.title == "Title" and item.tags == ("a", "b")
    assert item.embedding_text() == "Title\nbody"
    assert len(item.content_hash) == 64


@pytest.mark.parametrize(
    ("value", "expected"), [("gold", "gold"), (" WEAK ", "weak"), ("", ""), ("none", "")]
)
def test_ratings(value: str, expected: str) -> None:
    assert validate_rating(value) == expected


def test_bounds() -> None:
    assert validate_top_k(0) == 5 and validate_top_k(50) == 50
    assert validate_page_size(0) == 20
    for bad in (-1, 51):
        with pytest.raises(InvalidArgument):
            validate_top_k(bad)


def test_ranking_moves_gold_up_and_weak_down() -> None:
    assert ranking_score(0.5, "gold") > ranking_score(0.55, "") > ranking_score(0.6, "weak")


def test_passwords_never_printed() -> None:
    url = "postgresql+psycopg2://neon_user:neon_password@ep-x.neon.tech:5432/aicmo"
    assert "neon_password" not in redact_url(url)
    assert "neon_password" not in redact(f"connecting to {url}")
    assert redact("Authorization: Bearer abc.def-123") == "Authorization: Bearer ***"
    register_secret("tok-very-secret")
    assert "tok-very-secret" not in redact("token tok-very-secret leaked")


def test_settings_accept_postgres_urls_only() -> None:
    settings = MemorySettings(memory_db="postgres://u:p@h:5432/db")  # type: ignore[arg-type]
    assert settings.sqlalchemy_url == "postgresql+psycopg2://u:p@h:5432/db"
    assert MemorySettings(memory_db="").sqlalchemy_url is None  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be a Postgres URL"):
        MemorySettings(memory_db="sqlite:///db/aicmo_memory.db")  # type: ignore[arg-type]


def test_temp_data_dir_is_detected() -> None:
    assert MemorySettings(data_dir="/tmp/aicmo").data_dir_is_temporary()  # type: ignore[arg-type]
    assert not MemorySettings(data_dir="/srv/aicmo").data_dir_is_temporary()  # type: ignore[arg-type]
