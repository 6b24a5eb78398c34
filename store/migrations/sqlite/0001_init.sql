-- Gridline's first schema for SQLite. Times are TEXT in a fixed-width UTC format
-- (2006-01-02T15:04:05.000000Z) so that text order is time order; booleans are 0/1;
-- lists are JSON text.

CREATE TABLE customers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    account_no TEXT NOT NULL DEFAULT '',
    lang       TEXT NOT NULL DEFAULT 'en',
    created_at TEXT NOT NULL
);
CREATE INDEX customers_phone ON customers (phone) WHERE phone <> '';

CREATE TABLE conversations (
    id          TEXT PRIMARY KEY,
    customer_id TEXT REFERENCES customers (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    lang        TEXT NOT NULL DEFAULT 'en',
    skill       TEXT NOT NULL DEFAULT '',
    priority    INTEGER NOT NULL DEFAULT 0,
    urgent      INTEGER NOT NULL DEFAULT 0,
    owner_id    TEXT NOT NULL DEFAULT '',
    handler_id  TEXT NOT NULL DEFAULT '',
    last_seq    INTEGER NOT NULL DEFAULT 0,
    rating      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    queued_at   TEXT,
    assigned_at TEXT,
    resolved_at TEXT
);
CREATE INDEX conversations_created ON conversations (created_at);
CREATE INDEX conversations_customer ON conversations (customer_id, created_at);
CREATE INDEX conversations_status ON conversations (status, created_at);
CREATE INDEX conversations_owner ON conversations (owner_id, created_at) WHERE owner_id <> '';
CREATE INDEX conversations_handler ON conversations (handler_id, created_at) WHERE handler_id <> '';

CREATE TABLE messages (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    client_id       TEXT NOT NULL DEFAULT '',
    author_kind     TEXT NOT NULL,
    author_id       TEXT NOT NULL DEFAULT '',
    author_name     TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    citations       TEXT NOT NULL DEFAULT '[]',
    quick_replies   TEXT NOT NULL DEFAULT '[]',
    created_at      TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_client ON messages (conversation_id, client_id) WHERE client_id <> '';

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    skills        TEXT NOT NULL DEFAULT '[]',
    capacity      INTEGER NOT NULL DEFAULT 0,
    disabled      INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE articles (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT NOT NULL UNIQUE CHECK (slug <> ''),
    lang       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    tags       TEXT NOT NULL DEFAULT '[]',
    status     TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX articles_lang_status ON articles (lang, status);

CREATE TABLE article_versions (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    slug       TEXT NOT NULL,
    lang       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    tags       TEXT NOT NULL,
    status     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
);

CREATE TABLE unanswered (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    norm       TEXT NOT NULL,
    text       TEXT NOT NULL,
    lang       TEXT NOT NULL,
    action     TEXT NOT NULL DEFAULT '',
    count      INTEGER NOT NULL DEFAULT 1,
    first_at   TEXT NOT NULL,
    last_at    TEXT NOT NULL,
    article_id INTEGER REFERENCES articles (id) ON DELETE SET NULL,
    resolved   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (norm, lang)
);
CREATE INDEX unanswered_open ON unanswered (resolved, count);

CREATE TABLE requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    conversation_id TEXT NOT NULL DEFAULT '',
    customer_id     TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_at      TEXT NOT NULL,
    closed_at       TEXT,
    closed_by       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX requests_status ON requests (status, created_at);
