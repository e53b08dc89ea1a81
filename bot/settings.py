"""Settings from the environment and an optional .env file. A bad value stops the program with a
message naming the setting (exit code 2), never a traceback, and the token is never printed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IdList = Annotated[tuple[int, ...], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    discord_token: SecretStr | None = None
    dev_guild_id: int | None = Field(default=None, gt=0)
    answer_channel_ids: IdList = ()
    admin_role_ids: IdList = ()
    admin_user_ids: IdList = ()
    knowledge_dir: Path = Path("knowledge")
    data_dir: Path = Path("data")
    index_cache: bool = True
    cooldown_rate: int = Field(default=3, ge=1)
    cooldown_seconds: float = Field(default=10.0, ge=0)
    log_level: str = "INFO"
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: IdList = ()

    @field_validator("answer_channel_ids", "admin_role_ids", "admin_user_ids", "shard_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return tuple(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be comma-separated numeric ids, e.g. 123,456") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shards(cls, value, info):
        count = info.data.get("shard_count")
        if value and count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT")
        if value and any(i >= count for i in value):
            raise ValueError(f"every shard id must be below SHARD_COUNT ({count})")
        return value

    @property
    def index_cache_dir(self) -> Path | None:
        """Where the bot and the console keep the indexed knowledge base between runs (see IndexCache)."""
        return self.data_dir / "index-cache" if self.index_cache else None

    @property
    def token(self) -> str | None:
        return self.discord_token.get_secret_value() if self.discord_token else None


class SettingsError(SystemExit):
    """Raised as exit code 2 after printing which setting is wrong."""


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "settings"
            # err["input"] could be the token; only the message is printed.
            print(f"Configuration error: {name}: {err['msg']}", file=sys.stderr)
        raise SettingsError(2) from None
