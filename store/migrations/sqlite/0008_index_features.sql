-- Features of the full-text index that items indexed before them lack, and
-- so that searches may rely on only when every item has them: a feature is
-- recorded when the archive is created with it (the items table empty).
CREATE TABLE index_features (
	name TEXT PRIMARY KEY
);
-- pairs: tokens for adjacent common words (see package search).
INSERT INTO index_features (name) SELECT 'pairs' WHERE NOT EXISTS (SELECT 1 FROM items);
