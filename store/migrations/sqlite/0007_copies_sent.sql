-- Copy ids are ordered by the item's sent time (see store.copyID): a sent:
-- range is a range of ids, so the index on copies.sent_at only cost writes.
DROP INDEX IF EXISTS copies_sent;
