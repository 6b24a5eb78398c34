-- Wrong passwords per email address since its last successful login: the
-- login throttle's state, shared by every replica (gridline.LoginFailures).
CREATE TABLE login_failures (
    email    TEXT PRIMARY KEY,
    count    INTEGER NOT NULL,
    first_at TIMESTAMPTZ NOT NULL,
    last_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_last_at ON login_failures (last_at);
