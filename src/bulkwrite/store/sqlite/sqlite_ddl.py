"""Schema of the SQLite store, as numbered migrations."""

from __future__ import annotations

from bulkwrite.domain.children import RecordIndex, stored_fields
from bulkwrite.domain.modules import Field, FieldType

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sequences (name TEXT PRIMARY KEY, next INTEGER NOT NULL);
    INSERT INTO sequences (name, next) VALUES ('id', 111111000000100001);
    CREATE TABLE orgs (
        id INTEGER PRIMARY KEY, zgid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
        created_time TEXT NOT NULL
    );
    CREATE TABLE profiles (
        id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES orgs(id), name TEXT NOT NULL,
        is_admin INTEGER NOT NULL, can_import INTEGER NOT NULL, rights TEXT NOT NULL,
        UNIQUE (org_id, name)
    );
    CREATE TABLE users (
        id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES orgs(id),
        email TEXT NOT NULL, full_name TEXT NOT NULL,
        profile_id INTEGER NOT NULL REFERENCES profiles(id), status TEXT NOT NULL,
        created_time TEXT NOT NULL, UNIQUE (org_id, email)
    );
    CREATE TABLE tokens (
        hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
        scopes TEXT NOT NULL, created_time TEXT NOT NULL, expires_time TEXT,
        revoked INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE modules (
        id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES orgs(id),
        api_name TEXT NOT NULL, table_name TEXT NOT NULL, definition TEXT NOT NULL,
        UNIQUE (org_id, api_name)
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES orgs(id),
        user_id INTEGER NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL,
        encoding_hint TEXT NOT NULL, created_time TEXT NOT NULL
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES orgs(id),
        user_id INTEGER NOT NULL, file_id INTEGER NOT NULL, file_name TEXT NOT NULL,
        spec TEXT NOT NULL, status TEXT NOT NULL, created_time TEXT NOT NULL,
        finished_time TEXT, rows_done INTEGER NOT NULL DEFAULT 0,
        chunks_done INTEGER NOT NULL DEFAULT 0, added INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,
        error_code TEXT, error_message TEXT, result_ready INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX jobs_open ON jobs (status) WHERE status IN ('ADDED', 'INPROGRESS');
    CREATE TABLE job_chunks (
        job_id INTEGER NOT NULL REFERENCES jobs(id), chunk_no INTEGER NOT NULL,
        first_row INTEGER NOT NULL, row_count INTEGER NOT NULL, result BLOB NOT NULL,
        PRIMARY KEY (job_id, chunk_no)
    ) WITHOUT ROWID;
    """,
    # A job split across workers (services/run/split.py): the source header, the number of
    # chunks once the whole file is split (and the error that cut it short, if one did), and
    # one row per chunk, marked when converted.
    """
    ALTER TABLE jobs ADD COLUMN split_header TEXT;
    ALTER TABLE jobs ADD COLUMN chunks_total INTEGER;
    ALTER TABLE jobs ADD COLUMN split_error TEXT;
    CREATE TABLE job_chunk_plans (
        job_id INTEGER NOT NULL REFERENCES jobs(id), chunk_no INTEGER NOT NULL,
        first_row INTEGER NOT NULL, row_count INTEGER NOT NULL,
        prepared INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (job_id, chunk_no)
    ) WITHOUT ROWID;
    """,
    # Callbacks (services/callbacks/): the outbox, one delivery per finished job with a
    # callback, inserted with the job's final state; and each org's signing secret.
    """
    CREATE TABLE callback_deliveries (
        id TEXT PRIMARY KEY, job_id INTEGER NOT NULL UNIQUE REFERENCES jobs(id),
        org_id INTEGER NOT NULL REFERENCES orgs(id), url TEXT NOT NULL, event TEXT NOT NULL,
        status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_time TEXT NOT NULL, last_attempt_time TEXT, last_status_code INTEGER,
        last_error TEXT, created_time TEXT NOT NULL
    );
    CREATE INDEX callback_deliveries_due ON callback_deliveries (next_attempt_time)
        WHERE status = 'pending';
    CREATE TABLE org_callback_secrets (
        org_id INTEGER PRIMARY KEY REFERENCES orgs(id), secret TEXT NOT NULL,
        previous_secret TEXT, previous_expires_time TEXT, rotated_time TEXT NOT NULL
    );
    """,
    # Jobs of several resources (contract section 12): the further CSVs of an uploaded zip (a
    # JSON array of {name, path, size, encoding_hint}; NULL for one CSV), the resource a job is
    # writing and the resources it wrote to their end (JSON).
    """
    ALTER TABLE files ADD COLUMN members TEXT;
    ALTER TABLE jobs ADD COLUMN resource_no INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN resources_done TEXT;
    """,
    # Idempotency keys (beyond-zoho section 6): an upload's or a create's first answer under
    # its org's key, written in the transaction that made the file or the job.
    """
    CREATE TABLE idempotency_keys (
        org_id INTEGER NOT NULL REFERENCES orgs(id), operation TEXT NOT NULL,
        idem_key TEXT NOT NULL, request_hash TEXT NOT NULL, status_code INTEGER NOT NULL,
        response TEXT NOT NULL, created_time TEXT NOT NULL,
        PRIMARY KEY (org_id, operation, idem_key)
    );
    CREATE INDEX idempotency_keys_created ON idempotency_keys (created_time);
    """,
    # Retries (beyond-zoho.md §5): the job a retry job was made of, found from either side.
    """
    CREATE TABLE job_retries (job_id INTEGER PRIMARY KEY, retry_of INTEGER NOT NULL);
    CREATE INDEX job_retries_of ON job_retries (retry_of, job_id);
    """,
    # Job control (beyond-zoho.md sections 1-3): the module and operation a job list filters
    # on, the data rows of the job's CSVs, the cancel flag; jobs listed newest first per org.
    """
    ALTER TABLE jobs ADD COLUMN module TEXT;
    ALTER TABLE jobs ADD COLUMN operation TEXT;
    ALTER TABLE jobs ADD COLUMN rows_total INTEGER;
    ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
    UPDATE jobs SET module = json_extract(spec, '$.module'),
        operation = json_extract(spec, '$.operation');
    CREATE INDEX jobs_org_newest ON jobs (org_id, id DESC);
    """,
    # Records' page tokens (contract section 10): each org's key that signs them (HMAC).
    """
    CREATE TABLE org_page_keys (
        org_id INTEGER PRIMARY KEY REFERENCES orgs(id), secret TEXT NOT NULL,
        created_time TEXT NOT NULL
    );
    """,
    # The dashboard's sessions (docs/dashboard.md): a session id's hash, the token it signed
    # in with (its hash), the session's CSRF token and when the session ends.
    """
    CREATE TABLE ui_sessions (
        session_hash TEXT PRIMARY KEY, token_hash TEXT NOT NULL REFERENCES tokens(hash),
        csrf TEXT NOT NULL, expires_time TEXT NOT NULL
    );
    CREATE INDEX ui_sessions_expires ON ui_sessions (expires_time);
    """,
    # _V13_CTL, job control (beyond-zoho.md section 2): each CSV's data rows counted at upload
    # (JSON, one entry per CSV of the file); the rows a job has committed in all resources and
    # two marks (time, rows) its rate is measured from, so every process reads the same rate.
    """
    ALTER TABLE files ADD COLUMN row_counts TEXT;
    ALTER TABLE jobs ADD COLUMN rows_committed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN rate_a_time REAL;
    ALTER TABLE jobs ADD COLUMN rate_a_rows INTEGER;
    ALTER TABLE jobs ADD COLUMN rate_b_time REAL;
    ALTER TABLE jobs ADD COLUMN rate_b_rows INTEGER;
    ALTER TABLE jobs ADD COLUMN rate_last_time REAL;
    """,
)

_COLUMN_TYPES: dict[FieldType, str] = {
    FieldType.INTEGER: "INTEGER",
    FieldType.BIGINT: "INTEGER",
    FieldType.BOOLEAN: "INTEGER",
    FieldType.DECIMAL: "REAL",
    FieldType.CURRENCY: "REAL",
    FieldType.DOUBLE: "REAL",
    FieldType.PERCENT: "REAL",
    FieldType.LOOKUP: "INTEGER",
    FieldType.OWNERLOOKUP: "INTEGER",
    FieldType.USERLOOKUP: "INTEGER",
}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def column_type(field: Field) -> str:
    return _COLUMN_TYPES.get(field.type, "TEXT")


def record_table_ddl(
    table: str, fields: tuple[Field, ...], indexes: tuple[RecordIndex, ...] = ()
) -> list[str]:
    """CREATE TABLE, its unique indexes and ``indexes`` for one module's records; fields
    whose values live in a child module get no column."""
    stored = stored_fields(fields)
    columns = ["id INTEGER PRIMARY KEY", "_job INTEGER"]
    columns += [f"{quote(f.api_name)} {column_type(f)}" for f in stored]
    statements = [f"CREATE TABLE {quote(table)} ({', '.join(columns)})"]
    statements += [unique_index_ddl(table, f) for f in stored if f.unique]
    statements += [index_ddl(table, index) for index in indexes]
    return statements


def index_ddl(table: str, index: RecordIndex) -> str:
    """CREATE INDEX of a child module's record table (``domain.children``)."""
    kind = "UNIQUE INDEX" if index.unique else "INDEX"
    columns = ", ".join(quote(c) for c in index.columns)
    return f"CREATE {kind} {quote(f'{table}__{index.name}')} ON {quote(table)} ({columns})"


def unique_index_ddl(table: str, field: Field) -> str:
    index = quote(f"{table}__{field.api_name}")
    return f"CREATE UNIQUE INDEX {index} ON {quote(table)} ({quote(field.api_name)})"
