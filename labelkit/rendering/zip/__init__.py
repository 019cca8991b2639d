"""Streaming ZIP: the writer, the central directory, the per-part records and deflate pieces."""
