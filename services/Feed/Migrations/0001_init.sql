-- The bookings the feed has seen (booking.confirmed / booking.cancelled from mesh.events), with what the catalog said
-- about each booked show when it arrived: the user's affinities and the co-bookings ("people who booked X also booked Y").
CREATE TABLE booked (
    booking_id uuid PRIMARY KEY,
    user_id    text NOT NULL,
    show_id    uuid,
    service_id uuid,
    event_id   uuid,
    title      text NOT NULL DEFAULT '',
    venue_id   text NOT NULL DEFAULT '',
    city_id    text NOT NULL DEFAULT '',
    genres     text[] NOT NULL DEFAULT '{}',
    starts_at  timestamptz NOT NULL,
    cancelled  boolean NOT NULL DEFAULT false,
    CHECK (show_id IS NOT NULL OR service_id IS NOT NULL)
);
CREATE INDEX booked_user ON booked (user_id);
CREATE INDEX booked_event ON booked (event_id) WHERE NOT cancelled;
