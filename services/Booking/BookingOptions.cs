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

    /// <summary>How far ahead shows and service slots can be held and booked (FAILED_PRECONDITION BEYOND_HORIZON beyond).</summary>
    public TimeSpan BookingHorizon { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Places in one service slot one hold may take.</summary>
    public int MaxPlacesPerHold { get; set; } = 10;

    /// <summary>Seats one hold may take.</summary>
    public int MaxSeatsPerHold { get; set; } = 10;

    /// <summary>
    /// How long a hold may reuse the catalog's show and priced seat map (CatalogSeats); zero turns the cache off.
    /// New prices and seat maps reach holds within this; checkout re-reads the show uncached (docs/decisions/0004).
    /// </summary>
    public TimeSpan CatalogCacheDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the worker deletes expired seat claims (reads ignore them anyway; this keeps the table small).</summary>
    public TimeSpan ExpiredClaimSweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long before it expires a hold's user is warned (booking.hold_expiring, once per hold, by the sweeper).</summary>
    public TimeSpan HoldExpiryWarning { get; set; } = TimeSpan.FromMinutes(2);

    // Checkout saga (Bookings/).

    /// <summary>A checkout still PENDING this long after it began fails (PAYMENT_TIMEOUT) and frees its places.</summary>
    public TimeSpan CheckoutTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A pending checkout keeps its claims until its deadline plus this, so places never lapse mid-payment.</summary>
    public TimeSpan CheckoutClaimGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Deadline of the synchronous CreatePayment call of a checkout.</summary>
    public TimeSpan PaymentCallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a hold or checkout waits for the analytics service's CheckRisk before going ahead unchecked (fail open).</summary>
    public TimeSpan RiskCheckTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the recovery worker looks at PENDING bookings.</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A booking PENDING this long gets a payment.charge_requested task (payment settles it by the same key).</summary>
    public TimeSpan ChargeTaskAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The charge task is written again after this long while the booking is still PENDING.</summary>
    public TimeSpan ChargeTaskRetry { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Base64 key (≥ 32 bytes) tickets are signed with; unset: one generated once and kept in bookingdb.</summary>
    public string? TicketSigningKey { get; set; }
}
