"""The `fakturaportal` command: local operations, tokens, migrations, replay and demo data."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from pathlib import Path

from fakturaportal.demo import DEMO_TENANT
from fakturaportal.eventstore import ServiceApplication
from fakturaportal.settings import REPO_ROOT, CommonSettings, common_settings

LOCAL_ENV = REPO_ROOT / ".data" / "local.env"


def ensure_local_env() -> Path:
    """Create the local secrets file once; secrets never live in the repository."""
    wanted = {
        "FP_JWT_SECRET": secrets.token_urlsafe(48),
        "FP_PG_PASSWORD": os.environ.get("FP_PG_PASSWORD", "fakturaportal"),
        "FP_PG_SERVICE_PASSWORD": secrets.token_urlsafe(24),
    }
    LOCAL_ENV.parent.mkdir(parents=True, exist_ok=True)
    present = LOCAL_ENV.read_text() if LOCAL_ENV.exists() else ""
    have = {line.split("=", 1)[0] for line in present.splitlines() if "=" in line}
    missing = "".join(f"{k}={v}\n" for k, v in wanted.items() if k not in have)
    if missing:
        LOCAL_ENV.write_text(present + missing)
    LOCAL_ENV.chmod(0o600)
    return LOCAL_ENV


def cmd_dev_token(args: argparse.Namespace) -> int:
    from fakturaportal.auth import AuthError, issue_dev_token

    try:
        print(
            issue_dev_token(
                common_settings(),
                tenant=args.tenant,
                user=args.user,
                roles=args.role,
                ttl_seconds=args.ttl,
                supplier_orgnr=args.supplier_orgnr,
            )
        )
    except AuthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_portal_key(args: argparse.Namespace) -> int:
    """A key for the portal's Secret; its public half is served at /.well-known/jwks.json."""
    from fakturaportal.signing import new_private_key_pem

    print(new_private_key_pem(), end="")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Create topics, event tables with their append-only guards, and projection tables."""
    from fakturaportal.db import grant_service_role
    from fakturaportal.kafka import create_topics

    settings = common_settings()
    created = create_topics(settings)
    print(
        f"[migrate] kafka topics: {len(created)} created"
        + (f" ({', '.join(created)})" if created else "")
    )
    for app_class in application_classes():
        app_class(settings)
        print(f"[migrate] event store '{app_class.name}': tables and append-only guard ready")
    from services.approval.index import TABLE as APPROVAL_OPEN_STEPS
    from services.audit.projection import ensure_tables
    from services.portal.web import links

    ensure_tables(settings)
    links.ensure_tables(settings)
    print("[migrate] projection tables and the portal's used login links ready")
    role = grant_service_role(settings, read_models=(APPROVAL_OPEN_STEPS, links.TABLE))
    if role:
        print(f"[migrate] service role '{role}': may read and append events, never change them")
    return 0


def application_classes() -> list[type[ServiceApplication]]:
    from services.approval.app import ApprovalApp
    from services.audit.app import AuditApp
    from services.intake.app import IntakeApp
    from services.payment.app import PaymentApp
    from services.portal.notify.app import NotifierApp
    from services.posting.app import PostingApp
    from services.validation.app import ValidationApp

    return [IntakeApp, ValidationApp, PostingApp, ApprovalApp, PaymentApp, AuditApp, NotifierApp]


def cmd_replay(args: argparse.Namespace) -> int:
    from services.audit.projection import replay_projections

    started = time.monotonic()
    counts = replay_projections(
        common_settings(), progress=lambda n: print(f"[replay] {n} events replayed", flush=True)
    )
    print(f"[replay] done in {time.monotonic() - started:.1f}s: {json.dumps(counts, default=str)}")
    return 0


def _supervisor(settings: CommonSettings, port_base: int):  # type: ignore[no-untyped-def]
    from fakturaportal.processes import Supervisor

    return Supervisor(settings.data_dir / "run", settings.data_dir / "logs", port_base)


def cmd_up(args: argparse.Namespace) -> int:
    from fakturaportal.processes import PROCESSES

    settings = common_settings()
    sup = _supervisor(settings, args.port_base)
    sup.start_all(service_env=settings.service_env())
    print(f"[up] {len(PROCESSES)} processes started; logs in {settings.data_dir / 'logs'}")
    missing = sup.wait_healthy(args.timeout)
    if missing:
        print(
            f"[up] not ready after {args.timeout}s: {', '.join(missing)} (see the logs)",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    stopped = _supervisor(common_settings(), args.port_base).stop_all()
    print(f"[down] stopped {len(stopped)} processes")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    for name, pid in _supervisor(common_settings(), args.port_base).status().items():
        print(f"{name:24} {'running (pid ' + str(pid) + ')' if pid else 'stopped'}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Load the demo tenant through the portal, as its accountant: a purchase order with its
    goods receipt, then the invoices (the first one against that order)."""
    import httpx

    from fakturaportal.auth import issue_dev_token
    from fakturaportal.demo import DEMO_ORDER, DEMO_USERS, SUPPLIERS, demo_invoice, demo_order

    settings = common_settings()
    token = issue_dev_token(settings, tenant=args.tenant, user="anne", roles=DEMO_USERS["anne"])
    auth = {"Authorization": f"Bearer {token}"}
    base = f"http://127.0.0.1:{args.port_base}/api/v1"
    order, receipt = demo_order()
    for path, body in (("purchase-orders", order), ("goods-receipts", receipt)):
        response = httpx.post(f"{base}/{path}", headers=auth, json=body, timeout=30)
        if response.status_code >= 400:
            print(f"[demo] {path} failed: {response.status_code} {response.text}", file=sys.stderr)
            return 1
    print(f"[demo] purchase order {DEMO_ORDER} with its goods receipt")
    for number, supplier in enumerate(SUPPLIERS, start=1):
        data = demo_invoice(
            number,
            supplier,
            order=DEMO_ORDER if number == 1 else None,
            # the second shows a cash discount in the approver's inbox
            payment_terms="2 % rabatt ved betaling innen 7 dager, netto 14 dager"
            if number == 2
            else None,
        )
        response = httpx.post(
            f"{base}/invoices",
            headers=auth,
            timeout=30,
            files={"file": (f"demo-{number}.xml", data, "application/xml")},
        )
        if response.status_code >= 400:
            print(f"[demo] upload failed: {response.status_code} {response.text}", file=sys.stderr)
            return 1
        body = response.json()
        print(f"[demo] {supplier.name}: invoice {body['invoice_id']} ({body['status']})")
    return 0


def cmd_posting(args: argparse.Namespace) -> int:
    """`posting train|suggest|evaluate`: loaded only when asked for (LightGBM takes a moment)."""
    from services.posting.learning.cli import main as posting_main

    return posting_main(args.rest)


def cmd_payments(args: argparse.Namespace) -> int:
    """`payments export|import`: payment files in and out (see services/payment/cli.py)."""
    from services.payment.cli import main as payments_main

    return payments_main(args.rest)


def cmd_extract(args: argparse.Namespace) -> int:
    """Run the intake capture on a local file and print the canonical invoice."""
    from services.intake.capture import CaptureRefused, capture_document, capture_scanned
    from services.intake.config import IntakeSettings
    from services.intake.extract_json import to_json

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    data = path.read_bytes()
    try:
        result = capture_document(data, IntakeSettings().max_upload_bytes)
        invoice = result.invoice
        if invoice is None:
            if not args.json:
                print(
                    f"[extract] {result.media_type}: no text layer, running OCR …", file=sys.stderr
                )
            invoice, _ = capture_scanned(data, result.media_type)
    except CaptureRefused as exc:
        print(f"refused ({exc.code}): {exc.reason}", file=sys.stderr)
        return 3
    shaped = to_json(invoice)
    if args.json:
        print(json.dumps(shaped, indent=2, ensure_ascii=False))
        return 0
    for key, value in _flatten(shaped).items():
        if key == "fields" or value in (None, [], {}):
            continue
        if isinstance(value, list):
            print(f"{key}:")
            for item in value:
                print("    " + ", ".join(f"{k}={v}" for k, v in item.items() if v is not None))
            continue
        sure = shaped["fields"].get(key)
        note = f"   ({sure['source']}, confidence {sure['confidence']:.2f})" if sure else ""
        print(f"{key:24} {value}{note}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a local EHF file with the official rule ids: exit 0 valid, 1 fatal, 2 not UBL."""
    from services.validation.ehf import NotAnEhfDocument, validate_ehf

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    try:
        verdict = validate_ehf(path.read_bytes())
    except NotAnEhfDocument as exc:
        if args.json:
            print(
                json.dumps({"valid": False, "error": str(exc), "findings": []}, ensure_ascii=False)
            )
        else:
            print(f"not an EHF invoice or credit note: {exc}", file=sys.stderr)
        return 2
    findings = [
        {
            "rule": f.rule_id,
            "flag": f.flag.value,
            "message": f.message_en if args.lang == "en" else f.message_nb,
            "location": f.location,
        }
        for f in verdict.findings
    ]
    if args.json:
        print(
            json.dumps({"valid": verdict.valid, "findings": findings}, indent=2, ensure_ascii=False)
        )
    else:
        for f in findings:
            print(f"{f['flag']:8} {f['rule']:22} {f['message']}\n         at {f['location']}")
        print(
            ("gyldig" if args.lang == "nb" else "valid")
            if verdict.valid
            else ("ugyldig" if args.lang == "nb" else "invalid") + f" ({len(findings)} findings)"
        )
    return 0 if verdict.valid else 1


def _flatten(data: dict[str, object], prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict) and key != "fields":
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fakturaportal", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    token = sub.add_parser("dev-token", help="print a bearer token for local mode")
    token.add_argument("--tenant", required=True)
    token.add_argument("--user", required=True)
    token.add_argument("--role", action="append", required=True, help="repeat for several roles")
    token.add_argument("--ttl", type=int, default=8 * 3600, help="seconds (default 8 h)")
    token.add_argument(
        "--supplier-orgnr", default=None, help="for a supplier's user: the supplier's orgnr"
    )
    token.set_defaults(func=cmd_dev_token)
    sub.add_parser("migrate", help="create topics, event tables and guards").set_defaults(
        func=cmd_migrate
    )
    extract = sub.add_parser("extract", help="capture a local XML, PDF, JPEG or PNG invoice")
    extract.add_argument("file")
    extract.add_argument("--json", action="store_true", help="print the stable JSON shape")
    extract.set_defaults(func=cmd_extract)
    validate = sub.add_parser("validate", help="validate a local EHF file with the official rules")
    validate.add_argument("file")
    validate.add_argument("--json", action="store_true", help="print the stable JSON shape")
    validate.add_argument("--lang", choices=("nb", "en"), default="nb", help="language of messages")
    validate.set_defaults(func=cmd_validate)
    sub.add_parser("replay", help="drop and rebuild projections from the event store").set_defaults(
        func=cmd_replay
    )
    for name, func, text in (
        ("up", cmd_up, "start every service process"),
        ("down", cmd_down, "stop every service process"),
        ("status", cmd_status, "show the service processes"),
        ("demo", cmd_demo, "load the demo tenant's invoices"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--port-base", type=int, default=int(os.environ.get("FP_PORT_BASE", "8000")))
        p.add_argument("--timeout", type=float, default=120)
        p.set_defaults(func=func)
        if name == "demo":
            p.add_argument("--tenant", default=DEMO_TENANT, help="tenant to load (default: demo)")
    posting = sub.add_parser(
        "posting", help="train, suggest and evaluate the coding model", add_help=False
    )
    posting.add_argument("rest", nargs=argparse.REMAINDER)
    posting.set_defaults(func=cmd_posting)
    payments = sub.add_parser(
        "payments",
        help="export a released run's pain.001, import pain.002/camt.054",
        add_help=False,
    )
    payments.add_argument("rest", nargs=argparse.REMAINDER)
    payments.set_defaults(func=cmd_payments)
    sub.add_parser(
        "portal-key", help="print a new EC P-256 key (PEM) for FP_PORTAL_SIGNING_KEY"
    ).set_defaults(func=cmd_portal_key)
    sub.add_parser(
        "init-local", help="create .data/local.env with fresh local secrets"
    ).set_defaults(func=lambda a: print(ensure_local_env()) or 0)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["posting"]:  # its own parser, options and --help included
        return cmd_posting(argparse.Namespace(rest=argv[1:]))
    if argv[:1] == ["payments"]:
        return cmd_payments(argparse.Namespace(rest=argv[1:]))
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
