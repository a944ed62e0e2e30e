"""Schema of the PostgreSQL store, as numbered migrations, and the DDL of record tables."""

from __future__ import annotations

import hashlib

from psycopg import sql

from bulkwrite.domain.children import RecordIndex, stored_fields
from bulkwrite.domain.modules import STAMPED, Field, FieldType

#: Advisory lock keys (any two constants no other application on the database uses).
MIGRATION_LOCK = 0x6277_0001
ID_LOCK = 0x6277_0002

#: Longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes); longer ones are shortened.
MAX_IDENTIFIER = 63

SCHEMA_MIGRATIONS = """
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )
"""

#: Ids come from one sequence. ``bw_allocate_ids(n)`` reserves ``n`` consecutive ids: a
#: session-level advisory lock is held only across ``nextval``/``setval`` (never until commit),
#: so concurrent transactions never wait for each other's commit to get ids.
_V1_IDS = f"""
    CREATE SEQUENCE bw_ids AS BIGINT START WITH 111111000000100001 INCREMENT BY 1 NO CYCLE;
    CREATE FUNCTION bw_allocate_ids(n BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
    DECLARE
        first BIGINT;
    BEGIN
        PERFORM pg_advisory_lock({ID_LOCK});
        first := nextval('bw_ids');
        IF n > 1 THEN
            PERFORM setval('bw_ids', first + n - 1);
        END IF;
        PERFORM pg_advisory_unlock({ID_LOCK});
        RETURN first;
    END
    $$;
"""

_V1_TABLES = """
    CREATE TABLE orgs (
        id BIGINT PRIMARY KEY, zgid TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
        created_time TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE profiles (
        id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL REFERENCES orgs(id), name TEXT NOT NULL,
        is_admin BOOLEAN NOT NULL, can_import BOOLEAN NOT NULL, rights TEXT NOT NULL,
        UNIQUE (org_id, name)
    );
    CREATE TABLE users (
        id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL REFERENCES orgs(id),
        email TEXT NOT NULL, full_name TEXT NOT NULL,
        profile_id BIGINT NOT NULL REFERENCES profiles(id), status TEXT NOT NULL,
        created_time TIMESTAMPTZ NOT NULL, UNIQUE (org_id, email)
    );
    CREATE TABLE tokens (
        hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id),
        scopes TEXT NOT NULL, created_time TIMESTAMPTZ NOT NULL, expires_time TIMESTAMPTZ,
        revoked BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE TABLE modules (
        id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL REFERENCES orgs(id),
        api_name TEXT NOT NULL, table_name TEXT NOT NULL UNIQUE, definition TEXT NOT NULL,
        UNIQUE (org_id, api_name)
    );
    CREATE TABLE files (
        id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL REFERENCES orgs(id),
        user_id BIGINT NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL, size BIGINT NOT NULL,
        encoding_hint TEXT NOT NULL, created_time TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE jobs (
        id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL REFERENCES orgs(id),
        user_id BIGINT NOT NULL, file_id BIGINT NOT NULL, file_name TEXT NOT NULL,
        spec TEXT NOT NULL, status TEXT NOT NULL, created_time TIMESTAMPTZ NOT NULL,
        finished_time TIMESTAMPTZ, rows_done BIGINT NOT NULL DEFAULT 0,
        chunks_done INTEGER NOT NULL DEFAULT 0, added BIGINT NOT NULL DEFAULT 0,
        updated BIGINT NOT NULL DEFAULT 0, skipped BIGINT NOT NULL DEFAULT 0,
        error_code TEXT, error_message TEXT, result_ready BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX jobs_open ON jobs (org_id) WHERE status IN ('ADDED', 'INPROGRESS');
    CREATE INDEX jobs_results ON jobs (finished_time) WHERE result_ready;
    CREATE TABLE job_chunks (
        job_id BIGINT NOT NULL REFERENCES jobs(id), chunk_no INTEGER NOT NULL,
        first_row BIGINT NOT NULL, row_count INTEGER NOT NULL, result BYTEA NOT NULL,
        PRIMARY KEY (job_id, chunk_no)
    );
"""


#: Each entry is one migration script, applied in one transaction; never edit a released one.
def _procrastinate_schema() -> str:
    """The task engine's own tables and functions (procrastinate, PostgreSQL-based)."""
    from procrastinate.schema import SchemaManager

    return SchemaManager.get_schema()


#: A job split across workers (``services/run/split.py``): the source header and, once the
#: whole file is split, the number of chunks (and the error that cut the file short, if one
#: did); one row per chunk, marked when it is converted.
_V3_SPLIT = """
    ALTER TABLE jobs ADD COLUMN split_header TEXT, ADD COLUMN chunks_total INTEGER,
        ADD COLUMN split_error TEXT;
    CREATE TABLE job_chunk_plans (
        job_id BIGINT NOT NULL REFERENCES jobs(id), chunk_no INTEGER NOT NULL,
        first_row BIGINT NOT NULL, row_count INTEGER NOT NULL,
        prepared BOOLEAN NOT NULL DEFAULT FALSE,
        PRIMARY KEY (job_id, chunk_no)
    );
"""

#: ``STAMPED`` columns take their transaction's time when a COPY leaves them out: the server
#: then parses no datetime per row (a sixth of a COPY's time on a Leads table).
STAMP_DEFAULT = "date_trunc('second', transaction_timestamp())"
_V4_STAMPS = f"""
    DO $$
    DECLARE stamped record;
    BEGIN
        FOR stamped IN
            SELECT c.table_name AS t, c.column_name AS c FROM information_schema.columns c
            WHERE c.table_schema = current_schema() AND c.table_name LIKE 'rec\\_%'
              AND c.column_name IN ('Created_Time', 'Modified_Time')
              AND c.data_type = 'timestamp with time zone'
        LOOP
            EXECUTE format(
                'ALTER TABLE %I ALTER COLUMN %I SET DEFAULT {STAMP_DEFAULT.replace("'", "''")}, '
                'ALTER COLUMN %I SET DEFAULT 0',
                stamped.t, stamped.c, '_off_' || stamped.c
            );
        END LOOP;
    END $$;
"""
#: A chunk's result rows are stored with lz4 rather than pglz: half the time to save a chunk
#: (measured: 16 against 8 ms per 20,000 rows). A server built without lz4 keeps pglz.
_V5_LZ4 = """
    DO $$
    BEGIN
        EXECUTE 'ALTER TABLE job_chunks ALTER COLUMN result SET COMPRESSION lz4';
    EXCEPTION WHEN feature_not_supported OR syntax_error OR undefined_object THEN
        RAISE NOTICE 'job_chunks.result keeps the default compression';
    END $$;
"""
#: Callbacks (services/callbacks/): the outbox, one delivery per finished job with a callback,
#: inserted with the job's final state; and each org's signing secret.
_V6_CALLBACKS = """
    CREATE TABLE callback_deliveries (
        id UUID PRIMARY KEY, job_id BIGINT NOT NULL UNIQUE REFERENCES jobs(id),
        org_id BIGINT NOT NULL REFERENCES orgs(id), url TEXT NOT NULL, event TEXT NOT NULL,
        status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_time TIMESTAMPTZ NOT NULL, last_attempt_time TIMESTAMPTZ,
        last_status_code INTEGER, last_error TEXT, created_time TIMESTAMPTZ NOT NULL
    );
    CREATE INDEX callback_deliveries_due ON callback_deliveries (next_attempt_time)
        WHERE status = 'pending';
    CREATE TABLE org_callback_secrets (
        org_id BIGINT PRIMARY KEY REFERENCES orgs(id), secret TEXT NOT NULL,
        previous_secret TEXT, previous_expires_time TIMESTAMPTZ, rotated_time TIMESTAMPTZ NOT NULL
    );
"""

#: Jobs of several resources (contract section 12): the further CSVs of an uploaded zip (a
#: JSON array of {name, path, size, encoding_hint}; NULL for one CSV), the resource a job is
#: writing and the resources it wrote to their end (JSON).
_V7_FILE_MEMBERS = """
    ALTER TABLE files ADD COLUMN members TEXT;
    ALTER TABLE jobs ADD COLUMN resource_no INTEGER NOT NULL DEFAULT 0,
        ADD COLUMN resources_done TEXT;
"""

#: Idempotency keys (beyond-zoho section 6): an upload's or a create's first answer under its
#: org's key, written in the transaction that made the file or the job.
_V8_IDEMPOTENCY = """
    CREATE TABLE idempotency_keys (
        org_id BIGINT NOT NULL REFERENCES orgs(id), operation TEXT NOT NULL,
        idem_key TEXT NOT NULL, request_hash TEXT NOT NULL, status_code INTEGER NOT NULL,
        response TEXT NOT NULL, created_time TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (org_id, operation, idem_key)
    );
    CREATE INDEX idempotency_keys_created ON idempotency_keys (created_time);
"""

#: Retries (beyond-zoho.md §5): the job a retry job was made of, found from either side.
_V9_RETRIES = """
    CREATE TABLE job_retries (job_id BIGINT PRIMARY KEY, retry_of BIGINT NOT NULL);
    CREATE INDEX job_retries_of ON job_retries (retry_of, job_id);
"""

#: Job control (beyond-zoho.md sections 1-3): the module and operation a job list filters on,
#: the data rows of the job's CSVs, the cancel flag; jobs listed newest first per org.
_V10_JOB_CONTROL = """
    ALTER TABLE jobs ADD COLUMN module TEXT, ADD COLUMN operation TEXT,
        ADD COLUMN rows_total BIGINT, ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;
    UPDATE jobs SET module = spec::jsonb ->> 'module', operation = spec::jsonb ->> 'operation';
    CREATE INDEX jobs_org_newest ON jobs (org_id, id DESC);
"""

#: Records' page tokens (contract section 10): each org's key that signs them (HMAC).
_V11_PAGES = """
    CREATE TABLE org_page_keys (
        org_id BIGINT PRIMARY KEY REFERENCES orgs(id), secret TEXT NOT NULL,
        created_time TIMESTAMPTZ NOT NULL
    );
"""

#: The dashboard's sessions (docs/dashboard.md): a session id's hash, the token it signed in
#: with (its hash), the session's CSRF token and when the session ends.
_V12_DASH = """
    CREATE TABLE ui_sessions (
        session_hash TEXT PRIMARY KEY, token_hash TEXT NOT NULL REFERENCES tokens(hash),
        csrf TEXT NOT NULL, expires_time TIMESTAMPTZ NOT NULL
    );
    CREATE INDEX ui_sessions_expires ON ui_sessions (expires_time);
"""

#: The channel every change of a job row is announced on (its id as the payload).
JOBS_CHANNEL = "bulkwrite_jobs"

#: Job control, the rest of beyond-zoho.md section 2: each CSV's data rows counted at upload
#: (JSON, one entry per CSV of the file); the rows a job has committed in all resources and two
#: marks (time, rows) the rate is measured from, so every process reads the same rate; and a
#: NOTIFY of the job's id in the very transaction that changes its row (a chunk commit, a state
#: change), for the events streams of every API process.
_V13_CTL = f"""
    ALTER TABLE files ADD COLUMN row_counts TEXT;
    ALTER TABLE jobs ADD COLUMN rows_committed BIGINT NOT NULL DEFAULT 0,
        ADD COLUMN rate_a_time DOUBLE PRECISION, ADD COLUMN rate_a_rows BIGINT,
        ADD COLUMN rate_b_time DOUBLE PRECISION, ADD COLUMN rate_b_rows BIGINT,
        ADD COLUMN rate_last_time DOUBLE PRECISION;
    CREATE FUNCTION bulkwrite_job_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{JOBS_CHANNEL}', NEW.id::text);
        RETURN NULL;
    END $$;
    CREATE TRIGGER jobs_changed AFTER UPDATE ON jobs
        FOR EACH ROW EXECUTE FUNCTION bulkwrite_job_changed();
"""

MIGRATIONS: tuple[str, ...] = (
    _V1_IDS + _V1_TABLES,
    _procrastinate_schema(),
    _V3_SPLIT,
    _V4_STAMPS,
    _V5_LZ4,
    _V6_CALLBACKS,
    _V7_FILE_MEMBERS,
    _V8_IDEMPOTENCY,
    _V9_RETRIES,
    _V10_JOB_CONTROL,
    _V11_PAGES,
    _V12_DASH,
    _V13_CTL,
)


_COLUMN_TYPES: dict[FieldType, str] = {
    FieldType.INTEGER: "BIGINT",
    FieldType.BIGINT: "BIGINT",
    FieldType.BOOLEAN: "BOOLEAN",
    FieldType.DECIMAL: "DOUBLE PRECISION",
    FieldType.CURRENCY: "DOUBLE PRECISION",
    FieldType.DOUBLE: "DOUBLE PRECISION",
    FieldType.PERCENT: "DOUBLE PRECISION",
    FieldType.DATE: "DATE",
    FieldType.DATETIME: "TIMESTAMPTZ",
    FieldType.MULTISELECT: "JSONB",
    FieldType.LOOKUP: "BIGINT",
    FieldType.OWNERLOOKUP: "BIGINT",
    FieldType.USERLOOKUP: "BIGINT",
}
#: Text sorts and compares byte-wise, as SQLite's BINARY collation does.
_TEXT_TYPE = 'TEXT COLLATE "C"'


def pg_name(name: str) -> str:
    """``name`` as a PostgreSQL identifier: unchanged if short enough, else cut and hashed."""
    raw = name.encode()
    if len(raw) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(raw).hexdigest()[:12]
    return raw[: MAX_IDENTIFIER - 13].decode(errors="ignore") + "_" + digest


def ident(name: str) -> sql.Identifier:
    """The quoted identifier of a table, column or index name."""
    return sql.Identifier(pg_name(name))


def offset_column(name: str) -> str:
    """The hidden column keeping the UTC offset (seconds) a datetime field was written with."""
    return pg_name("_off_" + name)


def record_table_name(org_id: str, api_name: str) -> str:
    return pg_name(f"rec_{org_id}_{api_name.lower()}")


def column_defs(field: Field) -> list[sql.Composable]:
    """A field's column, and for a datetime its offset column; the ``STAMPED`` ones default to
    the transaction's time, in UTC."""
    kind = _COLUMN_TYPES.get(field.type, _TEXT_TYPE)
    stamped = field.type is FieldType.DATETIME and field.api_name in STAMPED
    if stamped:
        kind += f" DEFAULT {STAMP_DEFAULT}"
    defs: list[sql.Composable] = [sql.SQL("{} {}").format(ident(field.api_name), sql.SQL(kind))]
    if field.type is FieldType.DATETIME:
        offset = "INTEGER DEFAULT 0" if stamped else "INTEGER"
        defs.append(sql.SQL("{} {}").format(ident(offset_column(field.api_name)), sql.SQL(offset)))
    return defs


def record_table_ddl(
    table: str, fields: tuple[Field, ...], indexes: tuple[RecordIndex, ...] = ()
) -> list[sql.Composed]:
    """CREATE TABLE, its unique indexes and ``indexes`` for one module's records; fields
    whose values live in a child module get no column."""
    stored = stored_fields(fields)
    columns: list[sql.Composable] = [sql.SQL("id BIGINT PRIMARY KEY"), sql.SQL("_job BIGINT")]
    for field in stored:
        columns += column_defs(field)
    create = sql.SQL("CREATE TABLE {} ({})").format(ident(table), sql.SQL(", ").join(columns))
    uniques = [unique_index_ddl(table, f) for f in stored if f.unique]
    return [create, *uniques, *(index_ddl(table, index) for index in indexes)]


def index_ddl(table: str, index: RecordIndex) -> sql.Composed:
    """CREATE INDEX of a child module's record table (``domain.children``)."""
    kind = "UNIQUE INDEX" if index.unique else "INDEX"
    return sql.SQL("CREATE {} {} ON {} ({})").format(
        sql.SQL(kind),
        ident(f"{table}__{index.name}"),
        ident(table),
        sql.SQL(", ").join(ident(c) for c in index.columns),
    )


def add_column_ddl(table: str, field: Field) -> list[sql.Composed]:
    """ALTER TABLE for a new field, and its unique index."""
    adds = [sql.SQL("ADD COLUMN {}").format(d) for d in column_defs(field)]
    alter = sql.SQL("ALTER TABLE {} {}").format(ident(table), sql.SQL(", ").join(adds))
    return [alter, *([unique_index_ddl(table, field)] if field.unique else [])]


def unique_index_ddl(table: str, field: Field) -> sql.Composed:
    index = ident(f"{table}__{field.api_name}")
    return sql.SQL("CREATE UNIQUE INDEX {} ON {} ({})").format(
        index, ident(table), ident(field.api_name)
    )
