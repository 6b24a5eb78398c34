-- How a conversation reached Gridline: the chat widget or the telephone
-- hotline. Every conversation before this one was a chat.
ALTER TABLE conversations ADD COLUMN channel TEXT NOT NULL DEFAULT 'chat';
CREATE INDEX conversations_channel ON conversations (channel, created_at);
