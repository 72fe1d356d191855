"""The download buttons for a report (Markdown, and the client's PDF and Word files), shared by the report
shown in the Generate tab and any version opened in the History tab."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

import streamlit as st

from services.common.client_ids import client_key
from ui import documents

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Deliverable:
    """What a downloaded PDF or Word file shows besides the report: its title and its cover."""

    title: str
    client: str
    brand: str
    package: str
    date: str
    agency: str


def deliverable(*, client: str, brand: str, package: str, date: datetime.date | None = None) -> Deliverable:
    """The cover of a report's files: dated `date` (today when None), the agency from the settings."""
    title = f"{brand} — {package}".strip(" —")
    return Deliverable(
        title=title or "AICMO report",
        client=client,
        brand=brand,
        package=package,
        date=documents.format_date(date),
        agency=documents.default_agency(),
    )


def file_stem(brand: str, client: str, package_key: str) -> str:
    """e.g. "aicmo-northwind-quick_social_basic" (the files' names without extension)."""
    return f"aicmo-{client_key(brand or client)}-{package_key or 'report'}"


@functools.lru_cache(maxsize=8)
def pdf_bytes(markdown: str, cover: Deliverable) -> bytes:
    return documents.markdown_to_pdf(
        markdown,
        cover.title,
        client=cover.client,
        brand=cover.brand,
        package=cover.package,
        date=cover.date,
        agency=cover.agency,
    )


@functools.lru_cache(maxsize=8)
def docx_bytes(markdown: str, cover: Deliverable) -> bytes:
    return documents.markdown_to_docx(
        markdown,
        cover.title,
        client=cover.client,
        brand=cover.brand,
        package=cover.package,
        date=cover.date,
        agency=cover.agency,
    )


def download_buttons(markdown: str, cover: Deliverable, stem: str, key_prefix: str) -> None:
    """Download Markdown / PDF / Word, side by side. The PDF and Word files are made when clicked."""
    cols = st.columns(3)
    cols[0].download_button(
        "Download Markdown",
        data=markdown.encode("utf-8"),
        file_name=f"{stem}.md",
        mime="text/markdown",
        key=f"{key_prefix}_md",
        on_click="ignore",
    )
    cols[1].download_button(
        "Download PDF",
        data=functools.partial(pdf_bytes, markdown, cover),
        file_name=f"{stem}.pdf",
        mime="application/pdf",
        key=f"{key_prefix}_pdf",
        on_click="ignore",
    )
    cols[2].download_button(
        "Download Word",
        data=functools.partial(docx_bytes, markdown, cover),
        file_name=f"{stem}.docx",
        mime=DOCX_MIME,
        key=f"{key_prefix}_docx",
        on_click="ignore",
    )
