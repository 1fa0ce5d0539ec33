"""Give the demo tenant's people e-mail addresses, so they can log in to the web UI locally.

`make portal-demo` (part of `make run`, before the demo invoices). The demo tenant starts with
approval's fallback organisation, whose people have no addresses; this puts an organisation in
its place (as the finance admin `finn`): anne registers, kari attests, ola approves the budget
(up to NOK 100 000), per releases payments, revisor reads, and siri speaks for the first demo
supplier. Approval then has two steps (attestation, budget), as the Norwegian practice in
DESIGN §4 has it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import httpx

from fakturaportal.auth import issue_dev_token
from fakturaportal.demo import DEMO_TENANT, SUPPLIERS
from fakturaportal.settings import common_settings

DOMAIN = "demo.fakturaportal.localhost"
ORGANISATION: dict[str, Any] = {
    "users": [
        {"id": "anne", "name": "Anne Berg", "roles": ["accountant"], "email": f"anne@{DOMAIN}"},
        {"id": "kari", "name": "Kari Nordmann", "roles": ["attestant"], "email": f"kari@{DOMAIN}"},
        {"id": "ola", "name": "Ola Hansen", "roles": ["budget-holder"], "email": f"ola@{DOMAIN}"},
        {"id": "per", "name": "Per Olsen", "roles": ["payment-approver"], "email": f"per@{DOMAIN}"},
        {"id": "revisor", "roles": ["auditor"], "email": f"revisor@{DOMAIN}"},
        {"id": "finn", "name": "Finn Admin", "roles": ["finance-admin"], "email": f"finn@{DOMAIN}"},
        {
            "id": "siri",
            "name": "Siri Dahl",
            "roles": ["supplier-contact"],
            "email": "siri@kontorrekvisita.example",
            "supplier_orgnrs": [SUPPLIERS[0].orgnr],
        },
    ],
    "authority": [{"role": "budget-holder", "max_amount": "100000", "user": "ola"}],
    "routing": {"ap_inbox": "kari"},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-base", type=int, default=8000)
    parser.add_argument("--tenant", default=DEMO_TENANT)
    args = parser.parse_args(argv)
    token = issue_dev_token(
        common_settings(), tenant=args.tenant, user="finn", roles=["finance-admin"]
    )
    base = f"http://127.0.0.1:{args.port_base}/api/v1/approval/organisation"
    for section, body in ORGANISATION.items():
        response = httpx.put(
            f"{base}/{section}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        if response.status_code != 200:
            print(
                f"[portal-demo] {section}: {response.status_code} {response.text}", file=sys.stderr
            )
            return 1
    for user in ORGANISATION["users"]:
        print(f"[portal-demo] {user['id']:8} {user['email']:32} {', '.join(user['roles'])}")
    print(f"[portal-demo] log in at http://localhost:{args.port_base}/login, then: make magic-link")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
