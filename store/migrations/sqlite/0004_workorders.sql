-- Work orders (工单): numbered per day across replicas, with deadlines the
-- sweep marks once each and an append-only timeline.
CREATE TABLE workorder_counters (
    day TEXT PRIMARY KEY,
    n   INTEGER NOT NULL
);

CREATE TABLE workorders (
    id                   TEXT PRIMARY KEY,
    number               TEXT NOT NULL UNIQUE,
    type                 TEXT NOT NULL,
    subtype              TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL CHECK (status IN ('accepted', 'dispatched', 'on_site', 'handled', 'followed_up', 'closed')),
    customer_id          TEXT NOT NULL DEFAULT '',
    account_no           TEXT NOT NULL DEFAULT '',
    conversation_id      TEXT NOT NULL DEFAULT '',
    phone                TEXT NOT NULL DEFAULT '',
    address              TEXT NOT NULL DEFAULT '',
    area_class           TEXT NOT NULL DEFAULT 'urban',
    supply               TEXT NOT NULL DEFAULT '',
    description          TEXT NOT NULL DEFAULT '',
    owner_id             TEXT NOT NULL DEFAULT '',
    handler_id           TEXT NOT NULL DEFAULT '',
    department           TEXT NOT NULL DEFAULT '',
    urgent               INTEGER NOT NULL DEFAULT 0,
    reopened             INTEGER NOT NULL DEFAULT 0,
    reminders            INTEGER NOT NULL DEFAULT 0,
    customer_reminded_at TEXT,
    follow_up_tries      INTEGER NOT NULL DEFAULT 0,
    follow_up            TEXT NOT NULL DEFAULT '',
    master_id            TEXT NOT NULL DEFAULT '',
    incident_key         TEXT NOT NULL DEFAULT '',
    next_due_at          TEXT, -- earliest pending deadline; NULL when none or closed
    version              INTEGER NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    closed_at            TEXT
);
CREATE INDEX workorders_created ON workorders (created_at);
CREATE INDEX workorders_owner ON workorders (owner_id, created_at);
CREATE INDEX workorders_handler ON workorders (handler_id, created_at) WHERE handler_id <> '';
CREATE INDEX workorders_status ON workorders (status, created_at);
CREATE INDEX workorders_customer ON workorders (customer_id, created_at) WHERE customer_id <> '';
CREATE INDEX workorders_due ON workorders (next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX workorders_master ON workorders (master_id, created_at) WHERE master_id <> '';
CREATE INDEX workorders_incident ON workorders (incident_key, created_at)
    WHERE incident_key <> '' AND master_id = '' AND status <> 'closed';

CREATE TABLE workorder_deadlines (
    order_id TEXT NOT NULL REFERENCES workorders (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    start_at TEXT NOT NULL,
    warn_at  TEXT NOT NULL,
    due_at   TEXT NOT NULL,
    met_at   TEXT,
    pending  INTEGER NOT NULL, -- not met and the order open: what the sweep reads
    warned   INTEGER NOT NULL DEFAULT 0,
    breached INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, kind)
);
CREATE INDEX workorder_deadlines_warn ON workorder_deadlines (warn_at) WHERE pending AND NOT warned;
CREATE INDEX workorder_deadlines_due ON workorder_deadlines (due_at) WHERE pending AND NOT breached;

CREATE TABLE workorder_timeline (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL REFERENCES workorders (id) ON DELETE CASCADE,
    at       TEXT NOT NULL,
    by_id    TEXT NOT NULL,
    action   TEXT NOT NULL,
    status   TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX workorder_timeline_order ON workorder_timeline (order_id, id);
