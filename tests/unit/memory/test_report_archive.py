"""The report archive's use cases over the in-memory store: validation at the edge, numbering, paging, the
forget rule, and the errors that name the field."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from services.common.domain_errors import InvalidArgument, NotFound
from services.memory.domain.reports import StoredVersion
from services.memory.service_layer.reports import MAX_SECTIONS, ReportArchive
from tests.unit.memory.fakes import FakeReportArchive


def version(history: uuid.UUID, client: str = "northwind", **changes: Any) -> StoredVersion:
    base = StoredVersion(
        history_id=history, version=0, report_id=uuid.uuid4(), client_id=client, stage="draft",
        origin="generated", markdown="# A report", sections=({"section_id": "overview", "markdown": "Hi"},),
    )  # fmt: skip
    return StoredVersion(**{**base.__dict__, **changes})


def archive() -> tuple[ReportArchive, FakeReportArchive]:
    store = FakeReportArchive()
    return ReportArchive(store), store


def test_versions_of_one_history_are_numbered_in_order_and_the_latest_is_version_zero() -> None:
    reports, _store = archive()
    history = uuid.uuid4()
    for _ in range(3):
        saved = reports.save(reports.validate(version(history)), None)
        assert saved is not None
    assert [v.version for v in reports.versions(str(history))] == [1, 2, 3]
    assert reports.get(str(history), 0).version == 3 and reports.get(str(history), 2).version == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"client_id": "  "}, "report_version.client_id"),
        ({"stage": "sketch"}, "report_version.stage"),
        ({"origin": "copied"}, "report_version.origin"),
        ({"markdown": "bad\x00text"}, "report_version.markdown"),
        (
            {"sections": tuple({"section_id": str(i)} for i in range(MAX_SECTIONS + 1))},
            "report_version.sections",
        ),
    ],
)
def test_a_bad_version_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    reports, store = archive()
    with pytest.raises(InvalidArgument) as raised:
        reports.validate(version(uuid.uuid4(), **changes))
    assert raised.value.field == field and not store.stored


def test_unknown_reports_and_versions_are_not_found_and_bad_ids_are_invalid() -> None:
    reports, _store = archive()
    with pytest.raises(NotFound):
        reports.versions(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        reports.get(str(uuid.uuid4()), 0)
    with pytest.raises(InvalidArgument):
        reports.get("not-a-uuid", 0)
    with pytest.raises(InvalidArgument):
        reports.get(str(uuid.uuid4()), -1)


def test_work_that_started_before_a_forget_is_discarded() -> None:
    reports, store = archive()
    store.forgotten["northwind"] = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    late = reports.save(reports.validate(version(uuid.uuid4())), dt.datetime(2026, 5, 31, tzinfo=dt.UTC))
    fresh = reports.save(reports.validate(version(uuid.uuid4())), dt.datetime(2026, 6, 2, tzinfo=dt.UTC))
    assert late is None and fresh is not None and len(store.stored) == 1


def test_reports_are_paged_newest_first_per_client_and_a_token_is_bound_to_its_filter() -> None:
    reports, _store = archive()
    histories = [uuid.uuid4() for _ in range(5)]
    for h in histories:
        reports.save(reports.validate(version(h)), None)
    reports.save(reports.validate(version(uuid.uuid4(), client="other")), None)
    first = reports.reports(client_id="northwind", page_size=3, page_token="")
    second = reports.reports(client_id="northwind", page_size=3, page_token=first.next_page_token)
    seen = [r.latest.history_id for r in [*first.reports, *second.reports]]
    assert seen == list(reversed(histories)) and second.next_page_token == ""
    with pytest.raises(InvalidArgument) as raised:
        reports.reports(client_id="other", page_size=3, page_token=first.next_page_token)
    assert raised.value.field == "page_token"
