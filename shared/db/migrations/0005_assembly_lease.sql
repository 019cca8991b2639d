-- One assembler per job: the claim holds a lease; only an expired lease (a dead assembler) can be
-- claimed again. Writer: render_service.
ALTER TABLE render.jobs ADD COLUMN assembly_lease_until timestamptz;
