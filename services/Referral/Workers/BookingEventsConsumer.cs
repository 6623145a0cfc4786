using Dapper;
using Mesh.Referral.Redemptions;
using Mesh.Referral.Referrals;
using Mesh.ServiceDefaults.Messaging;
using Npgsql;

namespace Mesh.Referral.Workers;

/// <summary>
/// Booking's events (queue <c>referral.booking-events</c>, deduplicated by message id in mesh_inbox), each handled in
/// the inbox transaction: booking.confirmed confirms the booking's redemption, records the booking (first-booking
/// coupons) and makes it the one an invitee's referral reward waits for if it is their first; booking.failed releases
/// the redemption; booking.cancelled marks the booking cancelled (a referral waiting on it gets no reward) and, when
/// the cancellation refunds money, gives the redemption back (policy, ADR 0009). Every step is idempotent by
/// itself too (state checks under row locks, the booking's primary key), so a redelivery under a new message id
/// changes nothing either. Runs only when ConnectionStrings:messaging is set.
/// </summary>
public sealed class BookingEventsConsumer(NpgsqlDataSource db, IConfiguration configuration, TimeProvider time, ILogger<BookingEventsConsumer> logger)
    : InboxConsumerService(db, configuration, logger)
{
    public const string Queue = "referral.booking-events";

    protected override InboxConsumerOptions Options => new()
    {
        Queue = Queue, Bindings = [BookingEvents.ConfirmedType, BookingEvents.FailedType, BookingEvents.CancelledType],
    };

    protected override Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        ApplyAsync(message.Type, message, transaction, CouponRedemptions.Microseconds(time.GetUtcNow().UtcDateTime), logger);

    /// <summary>One event inside the caller's transaction (the consumer's inbox transaction; tests call it directly too).</summary>
    public static async Task ApplyAsync(string type, InboxMessage message, NpgsqlTransaction tx, DateTime now, ILogger logger)
    {
        switch (type)
        {
            case BookingEvents.ConfirmedType:
            {
                var e = message.Json<BookingEvents.Confirmed>();
                var redemption = await RedemptionsStore.ConfirmAsync(tx, e.BookingId, now);
                if (redemption?.ReleaseReason == ReleaseReasons.ConfirmedOverLimit)
                    logger.LogWarning("Booking {BookingId} was confirmed after its coupon reservation expired and the coupon ran out; it keeps its discount uncounted", e.BookingId);
                await tx.Connection!.ExecuteAsync("""
                    INSERT INTO customer_bookings (booking_id, user_id, starts_at, confirm_time) VALUES (@BookingId, @UserId, @StartsAt, @now)
                    ON CONFLICT (booking_id) DO NOTHING
                    """, new { e.BookingId, e.UserId, StartsAt = DateTime.SpecifyKind(e.StartsAt, DateTimeKind.Utc), now }, tx);
                await ReferralsStore.NoteConfirmedAsync(tx, e.UserId, e.BookingId);
                break;
            }
            case BookingEvents.FailedType:
            {
                var e = message.Json<BookingEvents.Failed>();
                await RedemptionsStore.ReleaseAsync(tx, e.BookingId, ReleaseReasons.BookingFailed, now, RedemptionStates.Reserved);
                break;
            }
            case BookingEvents.CancelledType:
            {
                var e = message.Json<BookingEvents.Cancelled>();
                await tx.Connection!.ExecuteAsync("UPDATE customer_bookings SET cancelled = true WHERE booking_id = @BookingId", new { e.BookingId }, tx);
                await ReferralsStore.NoteCancelledAsync(tx, e.BookingId);
                // Policy: a cancellation that refunds money gives the coupon back; one that refunds nothing keeps it used.
                if (e.RefundAmount > 0)
                    await RedemptionsStore.ReleaseAsync(tx, e.BookingId, ReleaseReasons.CancelledWithRefund, now, RedemptionStates.Confirmed, RedemptionStates.Reserved);
                break;
            }
        }
    }
}
