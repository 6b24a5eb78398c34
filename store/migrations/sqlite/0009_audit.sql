-- One audit log for staff actions (issue 13): the archive's customer_audit
-- becomes audit and takes a subject (conversation:<id>, article:<id>,
-- user:<id>) for entries that are not about a customer's record; logins,
-- claims, transfers, resolves, article and user changes join the archive's
-- views and edits, and admins read and filter them by actor, action and time.
ALTER TABLE customer_audit RENAME TO audit;
ALTER TABLE audit ADD COLUMN subject TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_actor ON audit (actor_id, id);
CREATE INDEX audit_action ON audit (action, id);
CREATE INDEX audit_at ON audit (at, id);
