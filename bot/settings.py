"""Process settings from the environment and `.env`.

The variable names are part of the interface contract (docs/reference.md): deployments set them, so each
field carries its exact name as an alias instead of relying on a prefix convention.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./onescore.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """Everything the process reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    config_path: Path = Field(Path("./onescore.yaml"), validation_alias="ONESCORE_CONFIG")
    api_token: str | None = Field(None, validation_alias="ONESCORE_API_TOKEN")
    public_url: str | None = Field(
        None,
        validation_alias="ONESCORE_PUBLIC_URL",
        description="The service's public base URL, as Slack, Teams and CRMs reach it behind a proxy.",
    )

    slack_bot_token: str | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(DEFAULT_SLACK_API_URL, validation_alias="SLACK_API_URL")

    microsoft_app_id: str | None = Field(None, validation_alias="MicrosoftAppId")
    microsoft_app_password: str | None = Field(None, validation_alias="MicrosoftAppPassword")
    microsoft_app_type: str | None = Field(None, validation_alias="MicrosoftAppType")
    microsoft_app_tenant_id: str | None = Field(None, validation_alias="MicrosoftAppTenantId")
    teams_emulator: bool = Field(
        False,
        validation_alias="ONESCORE_TEAMS_EMULATOR",
        description="Local testing only: without MicrosoftAppId, accept unauthenticated activities from a loopback "
        "serviceUrl (the Bot Framework Emulator).",
    )

    hubspot_client_secret: str | None = Field(None, validation_alias="HUBSPOT_CLIENT_SECRET")
    hubspot_access_token: str | None = Field(None, validation_alias="HUBSPOT_ACCESS_TOKEN")
    hubspot_api_url: str = Field("https://api.hubapi.com", validation_alias="HUBSPOT_API_URL")
    pipedrive_webhook_user: str | None = Field(None, validation_alias="PIPEDRIVE_WEBHOOK_USER")
    pipedrive_webhook_password: str | None = Field(None, validation_alias="PIPEDRIVE_WEBHOOK_PASSWORD")
    pipedrive_api_token: str | None = Field(None, validation_alias="PIPEDRIVE_API_TOKEN")
    pipedrive_api_url: str = Field("https://api.pipedrive.com", validation_alias="PIPEDRIVE_API_URL")
    salesforce_org_id: str | None = Field(None, validation_alias="SALESFORCE_ORG_ID")

    log_level: str = Field("INFO", validation_alias="ONESCORE_LOG_LEVEL")

    @property
    def config_path_is_explicit(self) -> bool:
        """ONESCORE_CONFIG was given (environment, .env or argument): then the file must exist.

        Only the default path may be absent and mean "all defaults"; a path someone typed that is not
        there is a typo, and running on defaults would ask the wrong people."""
        return "config_path" in self.model_fields_set

    @property
    def slack_over_http(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def slack_socket_mode(self) -> bool:
        return bool(self.slack_bot_token and self.slack_app_token)

    def chat_channel_status(self) -> dict[str, str | None]:
        """Why each chat platform is off (None when it is on), for the start-up log."""
        slack: str | None = None
        if not self.slack_bot_token:
            slack = "SLACK_BOT_TOKEN is not set"
        elif not (self.slack_signing_secret or self.slack_app_token):
            slack = "neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN (Socket Mode) is set"
        return {"slack": slack, "teams": self._teams_status()}

    def _teams_status(self) -> str | None:
        """Teams without an app id could not check who is talking, so it is off unless the (local, unauthenticated)
        emulator mode is asked for."""
        if self.microsoft_app_id or self.teams_emulator:
            return None
        return "MicrosoftAppId is not set"
