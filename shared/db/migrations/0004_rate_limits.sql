-- Fixed-window request counters per API key, shared by every API replica. Writer: api_service.
CREATE TABLE api.rate_limit_counters (
    key_id        uuid NOT NULL REFERENCES api.api_keys (id) ON DELETE CASCADE,
    window_kind   text NOT NULL CHECK (window_kind IN ('minute', 'day')),
    window_start  timestamptz NOT NULL,
    count         integer NOT NULL,
    PRIMARY KEY (key_id, window_kind, window_start)
);
CREATE INDEX rate_limit_counters_start ON api.rate_limit_counters (window_start);
