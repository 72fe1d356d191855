"""The generator's domain: the brief an operator fills in and the packages a report is built from.

Plain Python, no I/O.
"""

from services.generator.domain.brief import Brief
from services.generator.domain.packages import (
    PACKAGES,
    SECTION_TITLES,
    Package,
    SectionSpec,
    UnknownPackageError,
    UnknownSectionError,
    get_package,
    key_for_label,
)

__all__ = [
    "PACKAGES",
    "SECTION_TITLES",
    "Brief",
    "Package",
    "SectionSpec",
    "UnknownPackageError",
    "UnknownSectionError",
    "get_package",
    "key_for_label",
]
