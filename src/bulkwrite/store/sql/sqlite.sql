-- The queries of the SQLite store that differ by nature from PostgreSQL's (postgres.sql has a
-- block of each name); the shared ones are in common.sql.

-- allocate_ids --
-- Reserve consecutive ids from the one sequence row; the first of them
UPDATE sequences SET next = next + :count WHERE name = 'id' RETURNING next - :count;

-- lock_job --
-- A job by its id: the write transaction holds the database's one write lock already
SELECT id, org_id, user_id, spec, status, created_time, file_name, rows_done, chunks_done,
       added, updated, skipped, error_code, error_message, result_ready, finished_time,
       resource_no, resources_done
FROM jobs WHERE id = :job_id;
