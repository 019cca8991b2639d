-- Print history is written per chunk while the job renders, not all at once on completion (that
-- insert was on every job's critical path: ~0.5 s at 100k labels). A row counts for the
-- `never_printed` filter only once its job is completed; a failed job's rows are deleted when the
-- job is cleaned up. Writer: render_service.
COMMENT ON TABLE render.print_history IS
    'Entities a job renders, written per chunk; printed once render.jobs.status = completed.';
