-- Fair scheduling across organizations (docs/design.md#fair-scheduling): a chunk worker with a
-- free slot takes the waiting chunk of the organization with the fewest chunks in flight. That
-- choice reads only pending chunks; done ones pile up with every job, so they stay out of the
-- index it scans. Writer: render_service.
CREATE INDEX chunks_pending ON render.chunks (job_id, chunk_index) WHERE status = 'pending';
