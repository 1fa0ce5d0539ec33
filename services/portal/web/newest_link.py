"""Print the newest login link in the local mail folder: `make magic-link [TO=address]`.

Locally (no `FP_PORTAL_SMTP_RELAY_HOST`) the portal writes login mails as `.eml` files to
`<data dir>/mail-outbox/portal/`; this reads them so nobody has to open a mail file by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from fakturaportal.settings import common_settings

LINK = re.compile(r"https?://\S+/login/link\?\S+")


def newest_link(folder: Path, to: str | None = None) -> str | None:
    mails = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in mails:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if not isinstance(message, EmailMessage):
            continue
        if to and str(message["To"]).lower() != to.lower():
            continue
        body = message.get_body(("plain",))
        found = LINK.search(body.get_content()) if body is not None else None
        if found:
            return found.group(0)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to", help="only links mailed to this address")
    args = parser.parse_args(argv)
    folder = common_settings().data_dir / "mail-outbox" / "portal"
    link = newest_link(folder, args.to)
    if link is None:
        print(f"no login link in {folder}: ask for one at /login first", file=sys.stderr)
        return 1
    print(link)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
