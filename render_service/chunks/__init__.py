"""Chunks: one unit of a planned job, rendered by any replica under a lease."""
