"""Planning: a `requested` event becomes a job snapshot and its chunks."""
