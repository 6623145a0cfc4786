-- What the rating service last announced per item ("events/{uuid}", "venues/{uuid}", "services/{uuid}",
-- "products/{uuid}"), from its rating.changed events. Only a newer version replaces a row: the relay may deliver two
-- changes of one item out of order. No foreign key: an event may name an item the catalog deleted since.
CREATE TABLE rating_summaries (
    item             text PRIMARY KEY,
    review_count     int NOT NULL CHECK (review_count >= 0),
    average          double precision NOT NULL CHECK (average >= 0 AND average <= 5),
    bayesian_average double precision NOT NULL,
    version          bigint NOT NULL CHECK (version >= 1)
);
