"""The fonts the client documents are set in: DejaVu Sans where installed (full Unicode), found here for both
the PDF and the Word file."""

from __future__ import annotations

from pathlib import Path

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
_FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}


def unicode_font_files() -> dict[str, Path] | None:
    """DejaVu Sans in its four styles, if installed (Debian: fonts-dejavu-core)."""
    for directory in _FONT_DIRS:
        files = {style: directory / name for style, name in _FONT_FILES.items()}
        if all(path.is_file() for path in files.values()):
            return files
    return None
