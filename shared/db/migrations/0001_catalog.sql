-- Catalog: organizations and the entities labels are made for. Writer: api_service.
-- Readers: render_service (resolves export filters into a job snapshot).
CREATE SCHEMA IF NOT EXISTS catalog;

CREATE TABLE catalog.organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE catalog.products (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    organization_id uuid NOT NULL REFERENCES catalog.organizations (id),
    gtin            char(14) NOT NULL,
    name            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, gtin)
);
CREATE INDEX products_org_seq ON catalog.products (organization_id, seq);

-- One bulk-create call is one run; exports can select "everything that run created".
CREATE TABLE catalog.lot_runs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES catalog.organizations (id),
    entity_kind     text NOT NULL CHECK (entity_kind IN ('lots', 'serials')),
    created_count   integer NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- `seq` gives entities a stable creation order: exports list labels in entity order.
CREATE TABLE catalog.lots (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    organization_id uuid NOT NULL REFERENCES catalog.organizations (id),
    product_id      uuid NOT NULL REFERENCES catalog.products (id),
    lot_number      text NOT NULL,
    expiry_date     date,
    is_active       boolean NOT NULL DEFAULT true,
    lot_run_id      uuid REFERENCES catalog.lot_runs (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (product_id, lot_number)
);
CREATE INDEX lots_org_seq ON catalog.lots (organization_id, seq);
CREATE INDEX lots_product ON catalog.lots (product_id);
CREATE INDEX lots_run ON catalog.lots (lot_run_id);

CREATE TABLE catalog.serials (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    organization_id uuid NOT NULL REFERENCES catalog.organizations (id),
    lot_id          uuid NOT NULL REFERENCES catalog.lots (id),
    serial_number   text NOT NULL,
    is_active       boolean NOT NULL DEFAULT true,
    lot_run_id      uuid REFERENCES catalog.lot_runs (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (lot_id, serial_number)
);
CREATE INDEX serials_org_seq ON catalog.serials (organization_id, seq);
CREATE INDEX serials_lot_seq ON catalog.serials (lot_id, seq);
CREATE INDEX serials_run ON catalog.serials (lot_run_id);
