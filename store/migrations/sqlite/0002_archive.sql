-- The customer archive (issue 8): customers grow into full records; accounts
-- (户号), the search terms that find a record by name, phone or account number
-- through one index, the audit log, merges, custom attribute definitions and
-- conversations' in-chat verification tries.

ALTER TABLE customers ADD COLUMN kind TEXT NOT NULL DEFAULT 'individual'
    CHECK (kind IN ('individual', 'organisation'));
ALTER TABLE customers ADD COLUMN phones TEXT NOT NULL DEFAULT '[]';
ALTER TABLE customers ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN income_band TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN id_number TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN identifier TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN segment TEXT NOT NULL DEFAULT ''
    CHECK (segment IN ('', 'resident', 'intermediary', 'large'));
ALTER TABLE customers ADD COLUMN relationship TEXT NOT NULL DEFAULT ''
    CHECK (relationship IN ('', 'potential', 'current', 'former'));
ALTER TABLE customers ADD COLUMN organisation TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN contact_of TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
ALTER TABLE customers ADD COLUMN merged_into TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN anonymised_at TEXT;
ALTER TABLE customers ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE customers SET updated_at = created_at;

CREATE UNIQUE INDEX customers_identifier ON customers (identifier) WHERE identifier <> '';
CREATE INDEX customers_contact_of ON customers (contact_of) WHERE contact_of <> '';

-- One row per way of finding a customer: 'n:' + the lower-cased name, 'p:' +
-- a phone's digits, 'a:' + an account number. A prefix search is one range
-- scan of the primary key, whatever the number of customers.
CREATE TABLE customer_search (
    term        TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (term, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_search_customer ON customer_search (customer_id);
INSERT OR IGNORE INTO customer_search (term, customer_id)
    SELECT 'n:' || lower(name), id FROM customers WHERE name <> '';
INSERT OR IGNORE INTO customer_search (term, customer_id)
    SELECT 'p:' || phone, id FROM customers WHERE phone <> '';

CREATE TABLE accounts (
    account_no  TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    address     TEXT NOT NULL DEFAULT '',
    area_class  TEXT NOT NULL DEFAULT '' CHECK (area_class IN ('', 'urban', 'rural', 'remote')),
    tariff      TEXT NOT NULL DEFAULT '',
    meter_no    TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'closed')),
    phone       TEXT NOT NULL DEFAULT '',
    balance     INTEGER,
    last_bill   INTEGER,
    arrears     INTEGER,
    billed_at   TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX accounts_customer ON accounts (customer_id, position);

CREATE TABLE customer_audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    field       TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL
);
CREATE INDEX customer_audit_customer ON customer_audit (customer_id, id);

CREATE TABLE customer_merges (
    merged_id     TEXT PRIMARY KEY,
    survivor_id   TEXT NOT NULL,
    by_id         TEXT NOT NULL DEFAULT '',
    conversations INTEGER NOT NULL DEFAULT 0,
    requests      INTEGER NOT NULL DEFAULT 0,
    accounts      INTEGER NOT NULL DEFAULT 0,
    at            TEXT NOT NULL
);
CREATE INDEX customer_merges_survivor ON customer_merges (survivor_id);

CREATE TABLE customer_attributes (
    key      TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    label    TEXT NOT NULL DEFAULT '',
    type     TEXT NOT NULL CHECK (type IN ('text', 'number', 'date', 'list')),
    options  TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE verifications (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    customer_id     TEXT NOT NULL DEFAULT '',
    account_no      TEXT NOT NULL DEFAULT '',
    verified_at     TEXT
);
CREATE INDEX verifications_customer ON verifications (customer_id) WHERE customer_id <> '';
