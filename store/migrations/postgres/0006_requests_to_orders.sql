-- Requests become work orders (issue 9): every open message, call-back or
-- handoff nobody could take is carried on as a consultation order, answered
-- within a day of when it was left (the policy's one working day, approximated
-- here without the calendar), numbered GD<day left, Beijing time>-R<request id>
-- so that it cannot collide with the day's counter numbers, and the request is
-- closed as moved. New matters become orders directly.
INSERT INTO workorders (id, number, type, subtype, status, customer_id, conversation_id, phone, area_class,
                        description, next_due_at, version, created_at, updated_at)
SELECT 'req-' || id,
       'GD' || to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-R' || lpad(id::text, 6, '0'),
       'consultation',
       CASE kind WHEN 'message' THEN 'message' WHEN 'callback' THEN 'callback' ELSE '' END,
       'accepted', customer_id, conversation_id, phone, 'urban',
       CASE WHEN body = '' THEN kind ELSE body END,
       created_at + interval '1 day',
       1, created_at, created_at
FROM requests WHERE status = 'open';

INSERT INTO workorder_deadlines (order_id, kind, start_at, warn_at, due_at, pending)
SELECT 'req-' || id, 'answer', created_at, created_at + interval '69120 seconds', created_at + interval '1 day', TRUE
FROM requests WHERE status = 'open';

INSERT INTO workorder_timeline (order_id, at, by_id, action, status, note)
SELECT 'req-' || id, created_at, 'system', 'create', 'accepted', 'moved from request #' || id
FROM requests WHERE status = 'open';

UPDATE requests SET status = 'closed', closed_by = 'workorder', closed_at = now()
WHERE status = 'open';
