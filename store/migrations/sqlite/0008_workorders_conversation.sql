-- The orders a chat raised, found by the chat alone: an agent taking the chat
-- adopts every unowned one, whoever the chat's customer has become since.
CREATE INDEX workorders_conversation ON workorders (conversation_id, created_at) WHERE conversation_id <> '';
