"""Web UI settings (`FP_PORTAL_*`)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from fakturaportal.mailer import FolderReplier, Replier, SmtpReplier
from fakturaportal.settings import CommonSettings


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FP_PORTAL_", extra="ignore")

    default_tenant: str = "demo"
    """The tenant the login form proposes (a bureau's clients type their own)."""
    session_secret: SecretStr | None = None
    """Signs session cookies and login links; unset, derived from FP_JWT_SECRET."""
    page_size: int = Field(default=50, ge=1, le=500)
    """Rows on a page of the portal's long lists (the desk's queues, a supplier's invoices)."""
    session_minutes: int = 8 * 60
    link_minutes: int = 15
    """How long a login link may be used (once)."""
    cookie_secure: bool = True
    """Secure cookies. Browsers accept them from http://localhost and http://127.0.0.1 too, so
    only a plain-http address on another host (a LAN demo) needs this off."""
    mail_from: str = "innlogging@fakturaportal.localhost"
    smtp_relay_host: str | None = None
    """Where login links go out; unset, they are written to `<data dir>/mail-outbox/portal/`."""
    smtp_relay_port: int = 25
    oidc_issuer: str | None = None
    """The tenant's identity provider (OpenID Connect). Set with the client id and secret, the
    login page offers "Logg inn med {oidc_label}" beside the magic link."""
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_label: str = "Entra ID"
    oidc_scopes: str = "openid email profile"
    oidc_tenant_claim: str = "tenant"
    """The ID token's claim naming the tenant; without it the login is for `oidc_tenant`."""
    oidc_tenant: str | None = None

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    def secret(self, common: CommonSettings, purpose: str) -> bytes:
        """A key per purpose (session, login link), so one never verifies the other."""
        if self.session_secret is not None:
            root = self.session_secret.get_secret_value().encode()
        elif common.jwt_secret is not None:
            root = common.jwt_secret.get_secret_value().encode()
        else:
            raise RuntimeError("set FP_PORTAL_SESSION_SECRET or FP_JWT_SECRET for the web UI")
        return hmac.new(
            root, f"fakturaportal portal {purpose} v1".encode(), hashlib.sha256
        ).digest()

    def mailer(self, data_dir: Path) -> Replier:
        if self.smtp_relay_host:
            return SmtpReplier(self.smtp_relay_host, self.smtp_relay_port)
        return FolderReplier(data_dir / "mail-outbox" / "portal")
