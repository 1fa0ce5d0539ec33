"""The way to the bank: a payment file is checked, then handed to a bank channel.

The default channel is a folder per tenant, the shape of an SFTP drop that a bank connector (or an
SFTP server the bank collects from) picks up: the file appears whole under its final name, never
half-written, since it is written to a hidden temporary name and then renamed.
"""

from __future__ import annotations

import io
import logging
import os
import re
import uuid
from abc import ABC, abstractmethod
from pathlib import Path

import xmlschema

from services.payment.pain001 import PaymentFileError, check_structure

log = logging.getLogger(__name__)

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
    """Checks a pain.001 file against the official XSD when configured, else structurally."""

    _warned = False

    def __init__(self, xsd: Path | None) -> None:
        self.schema = xmlschema.XMLSchema(str(xsd)) if xsd is not None else None
        if self.schema is None and not FileCheck._warned:
            FileCheck._warned = True
            log.warning(
                "pain.001 XSD validation is off (set FP_PAYMENT_PAIN001_XSD to the official "
                "schema); payment files get structural checks only"
            )

    def __call__(self, content: bytes) -> None:
        check_structure(content)
        if self.schema is None:
            return
        errors = list(self.schema.iter_errors(io.BytesIO(content)))
        if errors:
            raise PaymentFileError(
                f"payment file fails the pain.001.001.03 XSD: {errors[0].reason}"
                f" at {errors[0].path}"
            )
