-- Searches filter copies, which carry the item facts (0002); these indexes
-- on items served nothing and cost four B-tree inserts per archived item.
DROP INDEX IF EXISTS items_sent_at;
DROP INDEX IF EXISTS items_kind_sent;
DROP INDEX IF EXISTS items_source_sent;
DROP INDEX IF EXISTS items_archived;
