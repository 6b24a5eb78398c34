-- A merge records the work orders it moved, beside its conversations, requests and accounts.
ALTER TABLE customer_merges ADD COLUMN workorders INTEGER NOT NULL DEFAULT 0;
