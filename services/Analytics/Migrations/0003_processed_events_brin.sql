-- Claims are pruned by age (Aggregation/ClaimPruning.cs). They are written in time order, so a BRIN index finds the
-- old ones as well as the B-tree did, and costs the consumer almost nothing per insert, unlike a B-tree entry per event.
DROP INDEX processed_events_time;
CREATE INDEX processed_events_time ON processed_events USING brin (process_time);
