-- ListVenues pages through a city's venues in id order (UUIDv7: creation order): one index serves the filter and
-- the keyset, and replaces the city-only index.
CREATE INDEX venues_city_id ON venues (city_id, id);
DROP INDEX venues_city;
