-- The queries both stores run, written once (store/queries.py reads this file).
--
-- Values are bound as each store's dialect gives them: times as ISO-8601 text in SQLite and as
-- TIMESTAMPTZ in PostgreSQL; booleans as TRUE/FALSE (SQLite's 1/0). The literal lists of
-- states are JobStatus values: ('ADDED', 'INPROGRESS') the open ones, ('COMPLETED', 'FAILED',
-- 'CANCELLED') the final ones (domain/job.py FINAL_STATES), written out so partial indexes apply.

-- orgs, profiles, users ---------------------------------------------------------------------

-- insert_org --
-- A new org
INSERT INTO orgs (id, zgid, name, created_time) VALUES (:id, :zgid, :name, :created_time);

-- get_org --
-- One org by its id
SELECT id, zgid, name, created_time FROM orgs WHERE id = :org_id;

-- list_orgs --
-- Every org, in id order
SELECT id, zgid, name, created_time FROM orgs ORDER BY id;

-- insert_profile --
-- A new profile of an org
INSERT INTO profiles (id, org_id, name, is_admin, can_import, rights)
VALUES (:id, :org_id, :name, :is_admin, :can_import, :rights);

-- get_profile --
-- An org's profile by its name
SELECT id, name, is_admin, can_import, rights FROM profiles
WHERE org_id = :org_id AND name = :name;

-- insert_user --
-- A new user of an org, active
INSERT INTO users (id, org_id, email, full_name, profile_id, status, created_time)
VALUES (:id, :org_id, :email, :full_name, :profile_id, 'active', :created_time);

-- list_users --
-- An org's users with their profiles, in id order
SELECT u.id, u.org_id, u.email, u.full_name, u.status,
       p.id, p.name, p.is_admin, p.can_import, p.rights
FROM users u JOIN profiles p ON p.id = u.profile_id
WHERE u.org_id = :org_id ORDER BY u.id;

-- get_user --
-- One user of an org with its profile
SELECT u.id, u.org_id, u.email, u.full_name, u.status,
       p.id, p.name, p.is_admin, p.can_import, p.rights
FROM users u JOIN profiles p ON p.id = u.profile_id
WHERE u.org_id = :org_id AND u.id = :user_id;

-- tokens ------------------------------------------------------------------------------------

-- insert_token --
-- A new access token (its hash), with its scopes as space-separated text
INSERT INTO tokens (hash, user_id, scopes, created_time, expires_time)
VALUES (:hash, :user_id, :scopes, :created_time, :expires_time);

-- principal_for --
-- The user, profile and org behind a token, with its scopes, revocation and expiry
SELECT u.id, u.org_id, u.email, u.full_name, u.status,
       p.id, p.name, p.is_admin, p.can_import, p.rights,
       t.scopes, t.revoked, t.expires_time, o.zgid, o.name, o.created_time
FROM tokens t JOIN users u ON u.id = t.user_id
JOIN profiles p ON p.id = u.profile_id JOIN orgs o ON o.id = u.org_id
WHERE t.hash = :hash;

-- revoke_token --
-- Revoke a live token (compare-and-set: no row if it was revoked already)
UPDATE tokens SET revoked = TRUE WHERE hash = :hash AND NOT revoked;

-- modules -----------------------------------------------------------------------------------

-- insert_module --
-- A new module's definition and the name of its record table
INSERT INTO modules (id, org_id, api_name, table_name, definition)
VALUES (:id, :org_id, :api_name, :table_name, :definition);

-- set_definition --
-- A module's definition after a field was added (the column is added under the same lock)
UPDATE modules SET definition = :definition WHERE id = :module_id;

-- replace_module --
-- Compare-and-set a module's definition on the one it had
UPDATE modules SET definition = :definition
WHERE org_id = :org_id AND id = :module_id AND definition = :old_definition;

-- list_modules --
-- An org's modules, in id order
SELECT id, definition FROM modules WHERE org_id = :org_id ORDER BY id;

-- get_module --
-- An org's module by its API name, whatever its case (ASCII letters)
SELECT id, definition FROM modules WHERE org_id = :org_id AND lower(api_name) = lower(:api_name);

-- record_table --
-- The record table of an org's module, by its API name as stored
SELECT table_name FROM modules WHERE org_id = :org_id AND api_name = :api_name;

-- files and jobs ----------------------------------------------------------------------------

-- insert_file --
-- An uploaded file
INSERT INTO files (id, org_id, user_id, name, path, size, encoding_hint, created_time, members,
                   row_counts)
VALUES (:id, :org_id, :user_id, :name, :path, :size, :encoding_hint, :created_time, :members,
        :row_counts);

-- get_file --
-- An org's uploaded file
SELECT id, org_id, user_id, name, path, size, encoding_hint, created_time, members, row_counts
FROM files WHERE id = :file_id AND org_id = :org_id;

-- insert_job --
-- A new job, in the state it is created in
INSERT INTO jobs (id, org_id, user_id, file_id, file_name, spec, status, created_time)
VALUES (:id, :org_id, :user_id, :file_id, :file_name, :spec, :status, :created_time);

-- get_job --
-- A job by its id, of the org given (none: of any org)
SELECT id, org_id, user_id, spec, status, created_time, file_name, rows_done, chunks_done,
       added, updated, skipped, error_code, error_message, result_ready, finished_time,
       resource_no, resources_done
FROM jobs WHERE id = :job_id AND org_id = coalesce(:org_id, org_id);

-- open_job_ids --
-- The jobs not ended yet, in id order
SELECT id FROM jobs WHERE status IN ('ADDED', 'INPROGRESS') ORDER BY id;

-- count_open_jobs --
-- How many of an org's jobs have not ended yet
SELECT count(*) FROM jobs WHERE org_id = :org_id AND status IN ('ADDED', 'INPROGRESS');

-- move_job --
-- Compare-and-set a job's status; a finished time and an error are kept once set
UPDATE jobs SET status = :target, finished_time = coalesce(:finished_time, finished_time),
       error_code = coalesce(:error_code, error_code),
       error_message = coalesce(:error_message, error_message)
WHERE id = :job_id AND status = :source;

-- count_chunk --
-- Count one more chunk done (compare-and-set on the chunks done of a running job)
-- and the rate's marks: mark b moves to now once it is rate_step seconds old, mark a to where b
-- was, so the rate (rows since mark a over the time since it) spans the last 1-2 steps
UPDATE jobs SET chunks_done = chunks_done + 1, rows_done = rows_done + :rows,
       added = added + :added, updated = updated + :updated, skipped = skipped + :skipped,
       rows_committed = rows_committed + :rows,
       rate_a_time = CASE WHEN rate_b_time IS NULL THEN :now
                          WHEN :now - rate_b_time >= :rate_step THEN rate_b_time
                          ELSE rate_a_time END,
       rate_a_rows = CASE WHEN rate_b_time IS NULL THEN rows_committed + :rows
                          WHEN :now - rate_b_time >= :rate_step THEN rate_b_rows
                          ELSE rate_a_rows END,
       rate_b_time = CASE WHEN rate_b_time IS NULL OR :now - rate_b_time >= :rate_step
                          THEN :now ELSE rate_b_time END,
       rate_b_rows = CASE WHEN rate_b_time IS NULL OR :now - rate_b_time >= :rate_step
                          THEN rows_committed + :rows ELSE rate_b_rows END,
       rate_last_time = :now
WHERE id = :job_id AND chunks_done = :chunk_no AND status = 'INPROGRESS';

-- next_resource --
-- A job of several resources moves on to its next resource (compare-and-set on the one it was
-- writing): the one done is kept in resources_done, rows and counts start again at zero
UPDATE jobs SET resource_no = resource_no + 1, resources_done = :resources_done, rows_done = 0,
       added = 0, updated = 0, skipped = 0
WHERE id = :job_id AND resource_no = :resource_no AND status = 'INPROGRESS';

-- insert_chunk --
-- A chunk done, with its rendered result rows
INSERT INTO job_chunks (job_id, chunk_no, first_row, row_count, result)
VALUES (:job_id, :chunk_no, :first_row, :rows, :result);

-- chunk_results --
-- A job's chunks' rendered result rows, in input order
SELECT result FROM job_chunks WHERE job_id = :job_id ORDER BY chunk_no;

-- chunk_result --
-- One chunk's rendered result rows
SELECT result FROM job_chunks WHERE job_id = :job_id AND chunk_no = :chunk_no;

-- drop_chunk_results --
-- Forget a job's chunks' rendered result rows
DELETE FROM job_chunks WHERE job_id = :job_id;

-- jobs_with_chunk_results --
-- The jobs that ended before a time and still keep chunks' result rows, in id order
SELECT id FROM jobs
WHERE finished_time < :before AND EXISTS (SELECT 1 FROM job_chunks c WHERE c.job_id = jobs.id)
ORDER BY id;

-- mark_result_ready --
-- Offer a job's result file
UPDATE jobs SET result_ready = TRUE WHERE id = :job_id AND NOT result_ready;

-- expired_results --
-- The jobs offering a result that ended before a time, in id order
SELECT id FROM jobs WHERE result_ready AND finished_time < :before ORDER BY id;

-- expire_result --
-- Stop offering a job's result file
UPDATE jobs SET result_ready = FALSE WHERE id = :job_id AND result_ready;

-- split jobs --------------------------------------------------------------------------------

-- begin_split --
-- Keep a job's source header, on its first split only
UPDATE jobs SET split_header = :header WHERE id = :job_id AND split_header IS NULL;

-- get_split --
-- A job's split: its source header, its number of chunks and its error once ended
SELECT split_header, chunks_total, split_error FROM jobs WHERE id = :job_id;

-- end_split --
-- The file of a split job is read: its number of chunks, and the error that cut it short
UPDATE jobs SET chunks_total = :chunks_total, split_error = :error
WHERE id = :job_id AND chunks_total IS NULL;

-- plan_chunk --
-- Plan a chunk of a split job, once (no row if it was planned already)
INSERT INTO job_chunk_plans (job_id, chunk_no, first_row, row_count)
VALUES (:job_id, :chunk_no, :first_row, :rows)
ON CONFLICT (job_id, chunk_no) DO NOTHING RETURNING chunk_no;

-- chunk_plans --
-- A split job's planned chunks, in input order
SELECT chunk_no, first_row, row_count, prepared FROM job_chunk_plans
WHERE job_id = :job_id ORDER BY chunk_no;

-- get_chunk_plan --
-- One planned chunk of a split job
SELECT chunk_no, first_row, row_count, prepared FROM job_chunk_plans
WHERE job_id = :job_id AND chunk_no = :chunk_no;

-- mark_chunk_prepared --
-- A planned chunk is converted
UPDATE job_chunk_plans SET prepared = TRUE
WHERE job_id = :job_id AND chunk_no = :chunk_no AND NOT prepared;

-- drop_chunk_plans --
-- Forget a split job's planned chunks
DELETE FROM job_chunk_plans WHERE job_id = :job_id;

-- callbacks: the outbox and the orgs' secrets (store/callbacks.py) ---------------------------

-- insert_delivery --
-- A finished job's callback delivery, pending, in the transaction of the job's final state
INSERT INTO callback_deliveries (id, job_id, org_id, url, event, status, attempts,
                                 next_attempt_time, created_time)
VALUES (:id, :job_id, :org_id, :url, :event, 'pending', 0, :next_attempt_time, :created_time);

-- get_delivery --
-- One callback delivery by its id
SELECT id, job_id, org_id, url, event, status, attempts, next_attempt_time, last_attempt_time,
       last_status_code, last_error, created_time
FROM callback_deliveries WHERE id = :id;

-- delivery_for_job --
-- The callback delivery of a job (none before it ends, or without a callback)
SELECT id, job_id, org_id, url, event, status, attempts, next_attempt_time, last_attempt_time,
       last_status_code, last_error, created_time
FROM callback_deliveries WHERE job_id = :job_id;

-- due_deliveries --
-- Pending deliveries whose next attempt is due, the longest due first
SELECT id FROM callback_deliveries
WHERE status = 'pending' AND next_attempt_time <= :at
ORDER BY next_attempt_time LIMIT :limit;

-- claim_delivery --
-- Take a due delivery for one attempt: its next attempt pushed to the lease's end, so no
-- other worker sends it meanwhile (and it is due again if this one dies)
UPDATE callback_deliveries SET next_attempt_time = :lease_until
WHERE id = :id AND status = 'pending' AND next_attempt_time <= :at;

-- record_attempt --
-- An attempt's outcome, by the worker that still holds the delivery's lease
UPDATE callback_deliveries
SET status = :status, attempts = attempts + 1, last_attempt_time = :at,
    last_status_code = :status_code, last_error = :error, next_attempt_time = :next_attempt_time
WHERE id = :id AND status = 'pending' AND next_attempt_time = :lease_until;

-- get_callback_secret --
-- An org's callback secret, and the previous one with its expiry
SELECT org_id, secret, previous_secret, previous_expires_time, rotated_time
FROM org_callback_secrets WHERE org_id = :org_id;

-- insert_callback_secret --
-- An org's first callback secret (nothing if another transaction made it first)
INSERT INTO org_callback_secrets (org_id, secret, rotated_time)
VALUES (:org_id, :secret, :rotated_time)
ON CONFLICT (org_id) DO NOTHING;

-- rotate_callback_secret --
-- A new callback secret for an org; the current one stays valid until the given time
UPDATE org_callback_secrets
SET previous_secret = secret, previous_expires_time = :previous_expires_time,
    secret = :secret, rotated_time = :rotated_time
WHERE org_id = :org_id AND secret = :current;

-- idempotency keys: a request's first answer (store/idempotency.py) --------------------------

-- claim_idempotency_key --
-- Keep a request's answer under its org's key, in the transaction that made what it answers;
-- an expired key's row is replaced, a live one is left as it is (nothing written: taken)
INSERT INTO idempotency_keys
    (org_id, operation, idem_key, request_hash, status_code, response, created_time)
VALUES (:org_id, :operation, :idem_key, :request_hash, :status_code, :response, :created_time)
ON CONFLICT (org_id, operation, idem_key) DO UPDATE
SET request_hash = excluded.request_hash, status_code = excluded.status_code,
    response = excluded.response, created_time = excluded.created_time
WHERE idempotency_keys.created_time < :expired_before;

-- get_idempotency_key --
-- A live key's request hash and first answer
SELECT request_hash, status_code, response FROM idempotency_keys
WHERE org_id = :org_id AND operation = :operation AND idem_key = :idem_key
  AND created_time >= :expired_before;

-- delete_expired_idempotency_keys --
-- Forget the keys past their time
DELETE FROM idempotency_keys WHERE created_time < :expired_before;

-- retries (beyond-zoho.md §5) -----------------------------------------------------------------

-- insert_retry --
-- A retry job and the job it retries
INSERT INTO job_retries (job_id, retry_of) VALUES (:job_id, :retry_of);

-- retry_of --
-- The job a retry job retries
SELECT retry_of FROM job_retries WHERE job_id = :job_id;

-- retries_of --
-- The retry jobs of a job, oldest first
SELECT job_id FROM job_retries WHERE retry_of = :job_id ORDER BY job_id;

-- job control (beyond-zoho.md sections 1-3) ---------------------------------------------------

-- tag_job --
-- A new job's module and operation, the columns a job list filters on
UPDATE jobs SET module = :module, operation = :operation WHERE id = :job_id;

-- list_jobs --
-- An org's jobs, newest first, from below a job id (keyset), with the filters given (a NULL
-- filter matches every job; any_status: every state)
SELECT id, org_id, user_id, spec, status, created_time, file_name, rows_done, chunks_done,
       added, updated, skipped, error_code, error_message, result_ready, finished_time,
       resource_no, resources_done, rows_total, cancel_requested,
       rows_committed, rate_a_time, rate_a_rows, rate_last_time
FROM jobs
WHERE org_id = :org_id AND id < :before_id
  AND (:any_status OR status = :s0 OR status = :s1 OR status = :s2 OR status = :s3
       OR status = :s4)
  AND (CAST(:module AS TEXT) IS NULL OR lower(module) = lower(CAST(:module AS TEXT)))
  AND (CAST(:operation AS TEXT) IS NULL OR operation = CAST(:operation AS TEXT))
  AND (CAST(:user_id AS BIGINT) IS NULL OR user_id = CAST(:user_id AS BIGINT))
ORDER BY id DESC LIMIT :row_limit OFFSET :row_offset;

-- set_rows_total --
-- The data rows of a job's CSVs, counted once (compare-and-set: none yet)
UPDATE jobs SET rows_total = :rows_total WHERE id = :job_id AND rows_total IS NULL;

-- get_job_control --
-- A job's rows in all, whether a cancel was asked for, and what its rate is measured from
SELECT rows_total, cancel_requested, rows_committed, rate_a_time, rate_a_rows, rate_last_time
FROM jobs WHERE id = :job_id;

-- request_cancel --
-- Ask a job not ended yet to stop (compare-and-set: not asked already)
UPDATE jobs SET cancel_requested = TRUE
WHERE id = :job_id AND status IN ('ADDED', 'INPROGRESS') AND NOT cancel_requested;

-- page tokens: each org's signing key (store/page_keys.py) -----------------------------------

-- get_page_key --
-- The key that signs an org's records page tokens
SELECT secret FROM org_page_keys WHERE org_id = :org_id;

-- insert_page_key --
-- An org's page-token key (nothing if another transaction made it first)
INSERT INTO org_page_keys (org_id, secret, created_time)
VALUES (:org_id, :secret, :created_time)
ON CONFLICT (org_id) DO NOTHING;

-- the dashboard (docs/dashboard.md) -----------------------------------------------------------

-- insert_ui_session --
-- A signed-in dashboard session: its id's hash, the token's hash, its CSRF token, its end
INSERT INTO ui_sessions (session_hash, token_hash, csrf, expires_time)
VALUES (:session_hash, :token_hash, :csrf, :expires_time);

-- get_ui_session --
-- A session not ended yet: the token it signed in with and its CSRF token
SELECT token_hash, csrf FROM ui_sessions
WHERE session_hash = :session_hash AND expires_time > :at;

-- delete_ui_session --
-- Sign out: the session is gone
DELETE FROM ui_sessions WHERE session_hash = :session_hash;

-- delete_expired_ui_sessions --
-- Forget the sessions past their end
DELETE FROM ui_sessions WHERE expires_time <= :at;

-- module_names --
-- The API names of an org's modules (the Jobs page's filter), without their definitions
SELECT api_name FROM modules WHERE org_id = :org_id ORDER BY api_name;
