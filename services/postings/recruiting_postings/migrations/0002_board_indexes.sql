-- The job board is read far more often than postings are published. Without the GIN pending list every published
-- posting goes straight into the search index, so a search never has to read unsorted pending entries (which made
-- the planner fall back to a sequential scan on a freshly filled table).
ALTER INDEX postings_board_search SET (fastupdate = off);

-- With closes_at in the index, the board's total ("published and not past its closing date") is an index-only scan.
DROP INDEX postings_board_order;
CREATE INDEX postings_board_order ON postings (published_at DESC, id DESC) INCLUDE (closes_at)
    WHERE status = 'published';
