"""The one settings class: every option, read from environment variables (and `.env`).

Each package takes plain constructor arguments; only the composition root (this package
and `channels.app`) reads `Settings`. Every variable is documented in README.md.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
_DEV_SECRET = "govassist-local-development-only"
_PLACEHOLDER = "change-me"  # .env.example's values
# Refused in production when left at their development default (SECRET_KEY also encrypts personal
# data at rest); an optional secret is checked only when set.
_SECRETS = (
    "secret_key",
    "agent_token",
    "dispatch_token",
    "wechat_token",
    "wechat_app_secret",
    "wechat_aes_key",
    "rasa_auth_token",
)
_OPTIONAL_SECRETS = ("wechat_aes_key",)
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


class Settings(BaseSettings):
    """Runtime configuration. Empty `redis_url` / `database_url` select embedded defaults."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # --- process -----------------------------------------------------------------------
    govassist_env: str = Field(
        "local", description="local | production; production refuses dev secrets"
    )
    govassist_host: str = "127.0.0.1"
    govassist_port: int = Field(8000, ge=1, le=65535)
    data_dir: Path = REPO_ROOT / "var"
    log_level: str = "INFO"
    retention_days: int = Field(
        180, ge=1, description="personal data older than this is purged by `privacy purge`"
    )

    # --- shared state --------------------------------------------------------------------
    redis_url: str = Field("", description="empty: start an embedded Redis under data_dir")
    database_url: str = Field("", description="empty: SQLite file under data_dir")
    secret_key: SecretStr = SecretStr(_DEV_SECRET)

    # --- knowledge and search ------------------------------------------------------------
    kb_dir: Path = REPO_ROOT / "knowledge" / "data"
    index_dir: Path | None = None  # default: data_dir / "index"
    encoder: str = Field(
        "use-multilingual",
        description="bundled encoder id, sentence-transformers name or local dir",
    )
    search_top_k: int = Field(5, ge=1, le=50)

    # --- dialogue core (Rasa) --------------------------------------------------------------
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_port: int = 5005
    rasa_workers: int = Field(
        2, ge=1, le=16, description="Rasa server worker processes (SANIC_WORKERS; Redis lock store)"
    )
    actions_port: int = 5055
    rasa_timeout_s: float = 4.0
    rasa_auth_token: SecretStr = SecretStr("rasa-dev-token")  # Rasa's HTTP API (--auth-token)
    bot_dir: Path = REPO_ROOT / "bot"

    # --- channels ------------------------------------------------------------------------
    public_base_url: str = ""  # default: http://<host>:<port>
    agent_token: SecretStr = SecretStr("agent-dev-token")
    wechat_token: SecretStr = SecretStr("govassist-wechat-token")
    wechat_app_id: str = "wx0000000000000000"
    wechat_app_secret: SecretStr = SecretStr("wechat-dev-secret")
    wechat_aes_key: SecretStr | None = None
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_template_id: str = ""  # template for notices outside the 48-hour customer-service window
    cors_allowed_origins: str = Field(
        "", description="origins (scheme://host[:port], comma-separated) that may embed the widget"
    )
    hotline_step_deadline_ms: int = Field(
        250,
        ge=10,
        le=10_000,
        description="per-step deadline of hotline assist (intent/search/route)",
    )
    rate_limit_per_minute: int = 30
    max_message_chars: int = Field(
        2000, ge=1, le=2000, description="longest citizen message / hotline utterance accepted"
    )
    request_read_timeout_s: float = Field(
        10.0, gt=0, description="a client must send a whole request (headers+body) within this"
    )
    keep_alive_timeout_s: float = Field(5.0, gt=0, description="idle keep-alive connections close")
    notify_claim_idle_s: float = Field(
        60.0, gt=0, description="a ticket notice pending this long is claimed and tried again"
    )

    # --- feedback ------------------------------------------------------------------------
    department_tokens: str = Field(
        "", description="code=token,...; empty: dev tokens '<code>-dev-token'"
    )
    worker_health_port: int = Field(
        5060, ge=0, le=65535, description="ticket worker /healthz and /readyz (0: off)"
    )
    dispatch_token: SecretStr = SecretStr(
        "dispatch-dev-token"
    )  # 12345 dispatchers: manual queue, extensions

    def department_token_map(self) -> dict[str, str]:
        """token -> department code, from DEPARTMENT_TOKENS ("code=token,code=token")."""
        pairs = [p.split("=", 1) for p in self.department_tokens.split(",") if "=" in p]
        return {token.strip(): code.strip() for code, token in pairs if token.strip()}

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.govassist_env != "local":
            problems = [*self._dev_secret_problems(), *self._dev_department_token_problems()]
            if problems:
                raise ValueError(
                    f"GOVASSIST_ENV={self.govassist_env} refuses development secrets; set "
                    + "; ".join(problems)
                )
        return self

    def _dev_secret_problems(self) -> list[str]:
        problems = []
        for name in _SECRETS:
            secret: SecretStr | None = getattr(self, name)
            if secret is None or (name in _OPTIONAL_SECRETS and not secret):
                continue
            value, default = secret.get_secret_value(), type(self).model_fields[name].default
            if isinstance(default, SecretStr) and value == default.get_secret_value():
                problems.append(f"{name.upper()} (is the development default)")
            elif not value.strip() or value.startswith(_PLACEHOLDER):
                problems.append(f"{name.upper()} (is empty or the .env.example placeholder)")
        return problems

    def _dev_department_token_problems(self) -> list[str]:
        if not self.department_tokens.strip():
            return ["DEPARTMENT_TOKENS (empty: every department would use '<code>-dev-token')"]
        weak = sorted(
            code
            for token, code in self.department_token_map().items()
            if token.endswith("-dev-token") or token.startswith(_PLACEHOLDER)
        )
        return [f"DEPARTMENT_TOKENS (development token for {', '.join(weak)})"] if weak else []

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins_are_origins(cls, value: str) -> str:
        for origin in (o.strip() for o in value.split(",")):
            if origin and origin != "*" and not _ORIGIN.match(origin):
                raise ValueError(f"not an origin (scheme://host[:port], no path): {origin!r}")
        return value

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """CORS_ALLOWED_ORIGINS as a tuple (blanks dropped)."""
        return tuple(o.strip().lower() for o in self.cors_allowed_origins.split(",") if o.strip())

    @property
    def resolved_index_dir(self) -> Path:
        return self.index_dir or self.data_dir / "index"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'govassist.db'}"

    @property
    def resolved_public_base_url(self) -> str:
        return self.public_base_url or f"http://{self.govassist_host}:{self.govassist_port}"
