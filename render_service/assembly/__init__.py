"""Assembly: a multi-chunk job's parts joined into the final artifact."""
