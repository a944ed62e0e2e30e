-- The PostgreSQL store's queries on the tables of procrastinate, the distributed queue, which
-- lives in the same database (SQLite has no such tables: its jobs run on in-process threads).

-- defer_task --
-- Add a task to procrastinate's queue, seen by workers when the transaction commits
SELECT procrastinate_defer_jobs_v1(ARRAY[
    ROW(:queue, :task, 0, :lock, NULL, :args::jsonb, NULL)::procrastinate_job_to_defer_v1
]);

-- jobs_without_task --
-- The open jobs none of whose tasks on a queue is waiting or running, in id order
SELECT j.id FROM jobs j
WHERE j.status IN ('ADDED', 'INPROGRESS') AND NOT EXISTS (
    SELECT 1 FROM procrastinate_jobs t
    WHERE t.queue_name = :queue AND t.status IN ('todo', 'doing')
      AND t.args->>'job_id' = j.id::text
)
ORDER BY j.id;

-- live_workers --
-- How many worker processes sent a heartbeat in the last seconds given
SELECT count(*) FROM procrastinate_workers
WHERE last_heartbeat > now() - make_interval(secs => :within);
