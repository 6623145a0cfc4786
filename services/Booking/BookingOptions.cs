namespace Mesh.Booking;

/// <summary><c>Booking</c> configuration. Defaults are the production values.</summary>
public sealed class BookingOptions
{
    public const string SectionName = "Booking";

    /// <summary>Connection string name (ConnectionStrings:{name}).</summary>
    public string Database { get; set; } = "bookingdb";

    /// <summary>How long a hold keeps its seats.</summary>
    public TimeSpan HoldDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Active (not released, not expired) holds one user may have at a time.</summary>
    public int MaxActiveHoldsPerUser { get; set; } = 5;

    /// <summary>Seats one hold may take.</summary>
    public int MaxSeatsPerHold { get; set; } = 10;

    /// <summary>How often the worker deletes expired seat claims (reads ignore them anyway; this keeps the table small).</summary>
    public TimeSpan ExpiredClaimSweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
