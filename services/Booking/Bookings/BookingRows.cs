namespace Mesh.Booking.Bookings;

/// <summary>The states of a booking as stored (bookings.status).</summary>
public static class BookingStates
{
    public const string Pending = "PENDING";
    public const string Confirmed = "CONFIRMED";
    public const string Failed = "FAILED";
    public const string Cancelled = "CANCELLED";
}

/// <summary>A booking as stored.</summary>
public sealed class BookingRow
{
    public Guid Id { get; set; }
    public Guid HoldId { get; set; }
    public string UserId { get; set; } = "";
    public string Status { get; set; } = BookingStates.Pending;
    public Guid? ShowId { get; set; }
    public Guid? ServiceId { get; set; }
    public DateTime? SlotStart { get; set; }
    public int? Quantity { get; set; }
    public DateTime StartsAt { get; set; }
    public long AmountMinor { get; set; }
    public long DiscountMinor { get; set; }
    /// <summary>The coupon that gave <see cref="DiscountMinor"/> (null without a discount).</summary>
    public string? CouponCode { get; set; }
    public string Currency { get; set; } = "";
    public Guid PaymentMethodId { get; set; }
    public Guid? PaymentId { get; set; }
    public string? FailureReason { get; set; }
    public string? IdempotencyKey { get; set; }
    public byte[] RequestHash { get; set; } = [];
    public DateTime CreateTime { get; set; }
    public DateTime Deadline { get; set; }
    public DateTime? ConfirmTime { get; set; }
    public DateTime? CancelTime { get; set; }
    public string? CancelReason { get; set; }
    public long RefundMinor { get; set; }
    public Guid? RefundTaskId { get; set; }

    /// <summary>What payment is asked to charge, identical in the synchronous call and in the recovery task (payment compares fingerprints).</summary>
    public string PaymentDescription => $"Booking {Id}";
}

/// <summary>One ticket of a booking.</summary>
public sealed class TicketRow
{
    public Guid Id { get; set; }
    public Guid BookingId { get; set; }
    public Guid? SeatId { get; set; }
    public string RowLabel { get; set; } = "";
    public string Label { get; set; } = "";
    public int Position { get; set; }
    public string Code { get; set; } = "";
}

/// <summary>A booking with its tickets and (show bookings) the seats its hold held.</summary>
public sealed record BookingView(BookingRow Booking, IReadOnlyList<TicketRow> Tickets, IReadOnlyList<HeldSeatRow> Seats);
