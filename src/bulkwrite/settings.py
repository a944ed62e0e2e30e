"""All settings in one place, read from ``BULKWRITE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The service's settings. Nothing reads the environment except this class."""

    model_config = SettingsConfigDict(env_prefix="BULKWRITE_", extra="ignore")

    data_dir: Path = Field(default=Path(".bulkwrite"), description="database and files live here")
    database_url: str = Field(default="", description="empty: a SQLite file in data_dir")
    public_url: str = Field(default="", description="base of download URLs; empty: from host/port")
    host: str = "127.0.0.1"
    port: int = 8000
    worker: bool = Field(default=True, description="run the job worker inside the API process")
    worker_threads: int = Field(default=1, ge=1, le=64)
    heartbeat_interval: float = Field(default=10.0, gt=0, description="worker heartbeat, s")
    stalled_after: float = Field(default=30.0, gt=0, description="a silent worker is dead, s")
    rescue_interval: float = Field(default=5.0, ge=1, description="stalled-task check, s")
    store_retry_seconds: float = Field(
        default=120.0, ge=0, description="how long a worker waits for a database gone away, s"
    )
    events_listen: bool = Field(
        default=True,
        description="PostgreSQL: event streams are woken by LISTEN/NOTIFY (one listening "
        "connection per process); false: they poll the database 4 times a second, as on "
        "SQLite (e.g. behind a pooler in transaction mode, which does not carry LISTEN)",
    )
    chunk_size: int = Field(
        default=20000,
        ge=1,
        le=1_000_000,
        description="rows per chunk (one transaction each); from 8,000 on, a job's first "
        "chunks ramp up to it (1/8, 1/4, the rest), so its first write starts early",
    )
    convert_process: bool | None = Field(
        default=None,
        description="read and convert a job's next chunk in a converter process (true) or on a "
        "thread (false); unset: a child process where jobs run inside `bulkwrite serve` (a "
        "steadier API beside them, for ~250 MB more memory), a thread in `bulkwrite worker`",
    )
    split_jobs: bool = Field(
        default=False,
        description="with PostgreSQL and several worker processes: any worker converts any "
        "chunk of a job, written in input order; else one worker goes through a job's chunks",
    )
    max_upload_bytes: int = Field(default=4 * 1024**3, ge=1)
    max_rows: int = Field(default=50_000_000, ge=1)
    max_columns: int = Field(default=200, ge=1)
    max_child_rows: int = Field(
        default=200,
        ge=1,
        description="a job of several resources: child rows one parent record may get from "
        "one job; the rows past it are SKIPPED LIMIT_EXCEEDED",
    )
    max_jobs_in_flight: int = Field(default=20, ge=1)
    result_ttl_days: float = Field(default=7.0, gt=0)
    callback_timeout: float = Field(default=10.0, gt=0, description="one callback POST, s")
    callback_allow: str = Field(
        default="",
        description="comma-separated CIDRs or host names (.example.com: its subdomains) "
        "that callbacks may call although the SSRF guard refuses them, e.g. 127.0.0.0/8",
    )
    callback_retry_hours: float = Field(
        default=24.0, gt=0, description="how long a callback is retried after the job ends, h"
    )
    callback_retry_base_seconds: float = Field(
        default=5.0, gt=0, description="the first pause between callback attempts, s"
    )
    callback_retry_cap_seconds: float = Field(
        default=3600.0, gt=0, description="the longest pause between callback attempts, s"
    )
    callback_poll_interval: float = Field(
        default=1.0, gt=0, description="how often a worker looks for due callbacks, s"
    )
    sql_trace: bool = Field(
        default=False,
        description="log each named query of the store (logger bulkwrite.store.sql: its "
        "name at INFO, its SQL at DEBUG)",
    )
    files_url: str = Field(
        default="", description="empty: data_dir/files; a path; or s3://bucket/prefix (shared)"
    )
    s3_endpoint_url: str = Field(default="", description="S3-compatible endpoint; empty: AWS")

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///"))
        return self.data_dir / "bulkwrite.sqlite3"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def cache_dir(self) -> Path:
        """Local copies of files read from shared storage."""
        return self.data_dir / "cache"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
