"""The way to the bank: a payment file is checked, then handed to a bank channel.

The default channel is a folder per tenant, the shape of an SFTP drop that a bank connector (or an
SFTP server the bank collects from) picks up: the file appears whole under its final name, never
half-written, since it is written to a hidden temporary name and then renamed.
"""

from __future__ import annotations

import os
import re
import uuid
from abc import ABC, abstractmethod
from pathlib import Path

from services.payment import schemas
from services.payment.pain001 import NS_03, NS_09, PaymentFileError, check_structure
from shared.xmlsafe import UnsafeOrInvalidXml, parse_untrusted

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class BankChannel(ABC):
    @abstractmethod
    def deliver(self, tenant_id: str, file_name: str, content: bytes) -> str:
        """Hand a file over for the bank; returns where it went. Same name again replaces it."""


class OutboxFolder(BankChannel):
    """`<root>/<tenant>/<file name>`, written atomically (temporary file, fsync, rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def deliver(self, tenant_id: str, file_name: str, content: bytes) -> str:
        folder = self.root / _safe(tenant_id)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / _safe(file_name)
        temporary = folder / f".{final.name}.{uuid.uuid4().hex}.tmp"
        try:
            with temporary.open("xb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_folder(folder)
        return str(final)


def _safe(name: str) -> str:
    """A tenant or file name usable as one path segment: no separators, no '..', no hidden files."""
    if not SAFE_NAME.fullmatch(name):
        raise ValueError(f"{name!r} cannot be used as a file or folder name")
    return name


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class FileCheck:
    """Checks an outgoing pain.001 file, always: its structure (counts, control sums, KID xor free
    text), then the official XSD of its own namespace (pain.001.001.03 or .09)."""

    def __init__(self) -> None:
        for namespace in (NS_03, NS_09):  # a missing schema package fails here, at start-up
            schemas.schema(namespace)

    def __call__(self, content: bytes) -> None:
        check_structure(content)
        try:
            root = parse_untrusted(content)
        except UnsafeOrInvalidXml as exc:
            raise PaymentFileError(f"payment file is not readable XML: {exc}") from exc
        namespace = schemas.namespace_of(root)
        if namespace not in (NS_03, NS_09):
            raise PaymentFileError(f"payment file has the unknown namespace {namespace!r}")
        error = schemas.first_error(namespace, root)
        if error is not None:
            raise PaymentFileError(
                f"payment file fails the {schemas.message_name(namespace)} XSD: {error}"
            )
