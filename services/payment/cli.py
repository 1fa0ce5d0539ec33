"""`fakturaportal payments export | import`: payment files from the command line.

- `export RUN_ID [--version 03|09] [--out FILE]`: a released run's pain.001 file, rebuilt from the
  payments the release recorded, with the same MsgId and creation time (so the same bytes as
  sent); `--version` renders it as the other pain.001 version. A run not released is refused:
  a file leaves only after a second person approved it.
- `import FILE`: a pain.002 or camt.054 file from the bank, read exactly as
  `POST /api/v1/bank-files` reads it; prints the outcome counts as JSON.

Both connect to the payment service's event store (the `FP_PG_*` settings) as the services do.
Exit code 2: the input was refused (with the reason on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import cast
from uuid import UUID

from fakturaportal.demo import DEMO_TENANT

USAGE_ERROR = 2


def export(tenant: str, run_id: str, version: str | None, out: Path | None) -> int:
    from services.payment.app import PaymentApp
    from services.payment.bank import FileCheck
    from services.payment.pain001 import Version
    from services.payment.release import recorded_debtor, render

    try:
        run = PaymentApp().run_for(tenant, UUID(run_id))
    except ValueError:
        run = None
    if run is None:
        print(f"error: no payment run {run_id} for tenant {tenant}", file=sys.stderr)
        return USAGE_ERROR
    if not run.files:
        print(
            f"error: payment run {run_id} is {run.status}, not released: a payment file leaves "
            "only after a payment approver other than the proposer approved the run",
            file=sys.stderr,
        )
        return USAGE_ERROR
    chosen = [f for f in run.files if version is None or f["version"] == version]
    if len(run.files) > 1 and len(chosen) != 1:
        versions = ", ".join(f["version"] for f in run.files)
        print(
            f"error: the run has one file per version ({versions}): pick one with --version",
            file=sys.stderr,
        )
        return USAGE_ERROR
    record = (chosen or run.files)[0]
    payments = [p for p in run.payments if p["payment_id"] in set(record["payment_ids"])]
    made = render(
        record["message_id"],
        datetime.fromisoformat(record["created_at"]),
        recorded_debtor(record["debtor"], payments[0].get("debtor_bban", "")),
        payments,
        cast(Version, version or record["version"]),
    )
    FileCheck()(made.content)
    if out is None:
        sys.stdout.buffer.write(made.content)
    else:
        out.write_bytes(made.content)
        print(f"{out}: pain.001.001.{made.version}, MsgId {made.message_id}", file=sys.stderr)
    return 0


def import_file(tenant: str, path: Path) -> int:
    from services.payment.app import PaymentApp
    from services.payment.bankfiles import BankFileError

    try:
        content = path.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return USAGE_ERROR
    try:
        counts = PaymentApp().import_bank_file(tenant, content, path.name, f"cli:{tenant}")
    except BankFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    print(json.dumps({"file_name": path.name} | counts))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fakturaportal payments", description=__doc__)
    parser.add_argument("--tenant", default=DEMO_TENANT, help="tenant (default: demo)")
    sub = parser.add_subparsers(dest="command", required=True)
    out = sub.add_parser("export", help="write a released run's pain.001 file")
    out.add_argument("run_id")
    out.add_argument("--version", choices=("03", "09"), default=None)
    out.add_argument("--out", type=Path, default=None, help="file to write (default: stdout)")
    out.add_argument("--tenant", dest="tenant_sub", default=None)
    read = sub.add_parser("import", help="read a pain.002 or camt.054 file from the bank")
    read.add_argument("file", type=Path)
    read.add_argument("--tenant", dest="tenant_sub", default=None)
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    tenant = args.tenant_sub or args.tenant
    if args.command == "export":
        return export(tenant, args.run_id, args.version, args.out)
    return import_file(tenant, args.file)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
