"""Settings shared by every process; each service adds its own `FP_<SVC>_` settings on top."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class CommonSettings(BaseSettings):
    """Infrastructure addresses and security settings, from `FP_*` environment variables."""

    model_config = SettingsConfigDict(
        env_prefix="FP_", extra="ignore", env_file=REPO_ROOT / ".data" / "local.env"
    )

    kafka_bootstrap: str = "localhost:9092"
    pg_host: str = "localhost"
    pg_port: int = 55432
    pg_db: str = "fakturaportal"
    pg_user: str = "fakturaportal"
    pg_password: SecretStr = SecretStr("fakturaportal")
    """The local development default; deployments set FP_PG_PASSWORD from a secret."""
    pg_manage_schema: bool = True
    """Create tables and guards on start. Off for service processes that run as the service role."""
    pg_service_user: str = "fakturaportal_app"
    pg_service_password: SecretStr | None = None
    """Set it and `migrate` creates the services' role, which may only read and append events."""
    data_dir: Path = REPO_ROOT / ".data"
    archive_dir: Path | None = None
    payment_outbox_dir: Path | None = None
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "https://auth.fakturaportal.local"
    jwt_audience: str = "fakturaportal"
    jwt_jwks_url: str | None = None
    portal_signing_key: SecretStr | None = None
    """PEM of the portal's EC P-256 private key (`fakturaportal portal-key`). With it the portal
    signs its calls to the services as the logged-in person (ES256) instead of with FP_JWT_SECRET,
    so production can verify people's tokens against the identity provider's JWKS and the
    portal's own at once."""
    portal_issuer: str = "https://portal.fakturaportal.local"
    portal_jwks_url: str | None = None
    """Where services fetch the portal's public key (`<portal>/.well-known/jwks.json`); tokens
    whose `iss` is FP_PORTAL_ISSUER are verified against it, with ES256 only."""
    health_port: int = 0
    kafka_partitions: int = 3
    topic_prefix: str = ""
    """Namespace for topics and consumer groups, so a test run can share a broker safely."""
    fault: str = ""
    """Test-only fault injection point, e.g. `consumer-after-store` (see `faults.py`)."""

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def unprefixed(self, topic: str) -> str:
        return topic.removeprefix(self.topic_prefix)

    @property
    def archive_path(self) -> Path:
        return self.archive_dir or self.data_dir / "archive"

    @property
    def outbox_path(self) -> Path:
        return self.payment_outbox_dir or self.data_dir / "outbox"

    def postgres_env(self) -> dict[str, str]:
        """The environment the `eventsourcing` library reads to reach PostgreSQL."""
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.pg_db,
            "POSTGRES_HOST": self.pg_host,
            "POSTGRES_PORT": str(self.pg_port),
            "POSTGRES_USER": self.pg_user,
            "POSTGRES_PASSWORD": self.pg_password.get_secret_value(),
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "4",
            "POSTGRES_LOCK_TIMEOUT": "5",
            "SINGLE_ROW_TRACKING": "y",
            "CREATE_TABLE": "y" if self.pg_manage_schema else "n",
        }

    def service_env(self) -> dict[str, str]:
        """Environment that makes a process connect as the services' least-privileged role."""
        if self.pg_service_password is None:
            return {}
        return {
            "FP_PG_USER": self.pg_service_user,
            "FP_PG_PASSWORD": self.pg_service_password.get_secret_value(),
            "FP_PG_MANAGE_SCHEMA": "false",
        }

    def conninfo(self) -> str:
        password = self.pg_password.get_secret_value()
        auth = f" password={password}" if password else ""
        return (
            f"host={self.pg_host} port={self.pg_port} dbname={self.pg_db} "
            f"user={self.pg_user}{auth} connect_timeout=10"
        )


@lru_cache(maxsize=1)
def common_settings() -> CommonSettings:
    return CommonSettings()
