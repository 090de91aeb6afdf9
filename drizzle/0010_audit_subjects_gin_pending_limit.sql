-- Custom migration (hand-written): a smaller pending list for the GIN index on audit_events.subjects.
-- With fastupdate (the default) new entries go to a pending list, and the insert that finds the
-- list over gin_pending_list_limit (4 MB by default) moves all of it into the index itself. That
-- insert is an audit append, running under the chain's lock, so every request of every process
-- waits behind it: a 100-patron page adds ~400 entries, and every ~150 pages one append took up to
-- 20 ms. With 256 kB the same work comes in small pieces. Measured on PostgreSQL 15, 1,500 appends
-- of a 100-patron page from one client: mean 1.17 → 1.21 ms, p99 5.3 → 2.3 ms, max 22.8 → 12.0 ms
-- (fastupdate off: mean 1.75 ms).
ALTER INDEX audit_events_subjects_idx SET (gin_pending_list_limit = 256);
