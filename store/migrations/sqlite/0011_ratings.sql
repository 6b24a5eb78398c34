-- Ratings after every service, one per matter (a conversation or a work
-- order): a second rating updates the first. Reasons are rows of their own so
-- that the dashboard counts them in the database.
CREATE TABLE ratings (
    id           TEXT PRIMARY KEY,
    matter_kind  TEXT NOT NULL,
    matter_id    TEXT NOT NULL,
    customer_id  TEXT NOT NULL DEFAULT '',
    owner_id     TEXT NOT NULL DEFAULT '',
    score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment      TEXT NOT NULL DEFAULT '',
    follow_up_id TEXT NOT NULL DEFAULT '',
    revisions    INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (matter_kind, matter_id)
);
CREATE INDEX ratings_created ON ratings (created_at);
CREATE INDEX ratings_customer ON ratings (customer_id, updated_at) WHERE customer_id <> '';

CREATE TABLE rating_reasons (
    rating_id TEXT NOT NULL REFERENCES ratings (id) ON DELETE CASCADE,
    reason    TEXT NOT NULL,
    PRIMARY KEY (rating_id, reason)
);

-- The dashboard's panels: orders closed and deadlines falling due in a window.
CREATE INDEX workorders_closed ON workorders (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX workorder_deadlines_due_all ON workorder_deadlines (due_at);
