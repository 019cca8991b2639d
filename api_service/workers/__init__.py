"""Background work of the API: outbox relay, event projection, sweeps."""
