"""Hardened XML parsing for untrusted uploads: no DTDs, no entities, no network, bounded size."""

from __future__ import annotations

from typing import Any

from lxml import etree

MAX_XML_BYTES = 10 * 1024 * 1024


class UnsafeOrInvalidXml(ValueError):
    """The bytes are not XML we are willing to read; the message says why, for the sender."""


def parse_untrusted(data: bytes, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    if len(data) > max_bytes:
        raise UnsafeOrInvalidXml(f"document is {len(data)} bytes; the limit is {max_bytes}")
    head = data[:4096].lstrip()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.startswith(b"<"):
        raise UnsafeOrInvalidXml("not XML: the document does not start with '<'")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeOrInvalidXml("XML with a DOCTYPE or entity declarations is refused")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeOrInvalidXml(f"not well-formed XML: {exc}") from exc
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeOrInvalidXml("XML with a DOCTYPE is refused")
    return root
