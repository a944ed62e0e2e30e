-- The queries of the PostgreSQL store that differ by nature from SQLite's (sqlite.sql has a
-- block of each name); the shared ones are in common.sql, those on procrastinate's tables in
-- procrastinate.sql.

-- allocate_ids --
-- Reserve consecutive ids (bw_allocate_ids: never waits for another transaction's commit)
SELECT bw_allocate_ids(:count);

-- lock_job --
-- A job by its id, its row locked until the transaction ends (a job's writers queue here)
SELECT id, org_id, user_id, spec, status, created_time, file_name, rows_done, chunks_done,
       added, updated, skipped, error_code, error_message, result_ready, finished_time,
       resource_no, resources_done
FROM jobs WHERE id = :job_id FOR UPDATE;
