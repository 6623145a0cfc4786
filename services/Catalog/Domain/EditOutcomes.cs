namespace Mesh.Catalog.Domain;

// What an edit of an event or a show came to, when the database refused it for a reason the caller can fix.

public enum UpdateEventOutcome { Updated, NotFound, Overlaps }

public enum DeleteEventOutcome { Deleted, NotFound, HasScheduledShows, HasShows }

public enum UpdateShowOutcome { Updated, NotFound, NotScheduled, Overlaps, NotInFuture }
