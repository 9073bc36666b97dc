"""Settings from environment variables and `.env`; nothing is built at import time."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="HUBEE_", extra="ignore")

    data_dir: Path = PROJECT_ROOT / "data"
    # DATABASE_URL is read without prefix: it is the name every deployment tool expects.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")

    time_zone: str = "Europe/Paris"
    public_base_url: str = "http://localhost:8501"
    portal_port: int = 8501
    api_port: int = 8080

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_from: str = "HubEE Box <ne-pas-repondre@hubee.test>"

    max_attachment_bytes: int = 20 * 1024 * 1024
    # bcrypt cost; tests lower it, production keeps the default.
    bcrypt_rounds: int = 12

    # Quotient familial (SPEC §8): where the public form fetches the QF, and its abuse limits.
    qf_provider: Literal["sandbox", "api_particulier"] = "sandbox"
    api_particulier_url: str = "https://particulier.api.gouv.fr"
    api_particulier_token: str | None = None
    api_particulier_timeout: float = 10.0
    qf_max_per_session: int = 3  # dossiers sent from one browser session
    qf_max_lookups_per_session: int = 10  # identities looked up from one browser session
    qf_max_per_hour: int = 60  # dossiers received by one collectivité in the last hour
    qf_max_lookups_per_hour: int = 300  # look-ups for one collectivité in the last hour

    # The jobs process (jobs/): digest times, Paris time, "HH:MM" separated by commas; the inbound folder.
    notification_daily_time: str = "08:00"
    notification_twice_daily_times: str = "08:00,13:00"
    inbound_dir: Path | None = None

    # RGPD: months after its closure a dossier keeps its attachments (metadata and history stay).
    retention_months: int = Field(default=12, ge=1)
    # Level of the three processes' logs (core/logging_setup.py): DEBUG, INFO, WARNING, ERROR.
    log_level: str = "INFO"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'hubee.db'}"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def resolved_inbound_dir(self) -> Path:
        return self.inbound_dir or self.data_dir / "inbound"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def secret_key(self) -> str:
        """The box's secret, generated into data/ on first use and never committed."""
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(48))
            tmp.chmod(0o600)
            tmp.replace(path)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
