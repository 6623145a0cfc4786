using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Mesh.Booking.Bookings;

/// <summary>What a checkout request asks for, validated.</summary>
/// <param name="CouponOptional">The client's choice when the coupon is refused (expired, exhausted, …): true checks out at full price, false refuses the checkout.</param>
public sealed record CheckoutCommand(string UserId, Guid HoldId, Guid PaymentMethodId, string CouponCode, string? IdempotencyKey, string? Authorization,
    bool CouponOptional = false);

/// <summary>
/// The checkout saga. TX1 writes the booking PENDING (with a deadline), marks the hold booked and keeps its claims
/// past the deadline; payment is charged synchronously (booking id = idempotency key); TX2 settles it: CONFIRMED
/// (claims permanent, tickets, BookingConfirmed) or FAILED (claims released). An unknown outcome leaves it PENDING:
/// <see cref="PendingBookingRecovery"/> asks payment to settle it through a queue task, payment's events settle it
/// (<see cref="PaymentEventsConsumer"/>), and the deadline fails it — every path runs through <see cref="SettleAsync"/>.
/// A coupon is reserved (referral, <see cref="IDiscountStep"/>) before TX1 under the booking id TX1 will write; the
/// booking's own events confirm or release it, and a booking that is never written releases it at once (or its TTL
/// does): docs/decisions/0009.
/// </summary>
public sealed class CheckoutSaga(BookingsStore store, CatalogSeats catalog, IDiscountStep discounts, PaymentCharges charges, TicketCodes codes,
    HoldChanges holdChanges, BookingOptions options, TimeProvider time, ILogger<CheckoutSaga> logger)
{
    private DateTime Now => Microseconds(time.GetUtcNow().UtcDateTime);

    // PostgreSQL keeps microseconds: answers and later reads of the same row must agree.
    private static DateTime Microseconds(DateTime value) => value.AddTicks(-(value.Ticks % 10));

    public async Task<BookingRow> CheckoutAsync(CheckoutCommand command, CancellationToken cancellationToken)
    {
        var hash = Fingerprint(command);
        // Read once without a lock for what needs other services (start time, discount); re-checked under the lock.
        var hold = await store.FindHoldAsync(command.HoldId, cancellationToken);
        if (hold is null || hold.UserId != command.UserId) throw HoldErrors.HoldNotFound(command.HoldId.ToString());
        // A hold that is a booking already needs neither: TX1 answers that booking (or refuses the key).
        DateTime? startsAt = null;
        long discount = 0;
        // The id TX1 will write: the coupon's reservation is keyed by it, so it is known before the booking exists.
        var bookingId = Guid.CreateVersion7();
        if (hold.BookingId is null)
        {
            var show = await ShowOfAsync(hold, cancellationToken);
            startsAt = hold.SlotStart ?? show!.StartTime.ToDateTime();
            discount = await ReserveDiscountAsync(command, hold, show, bookingId, cancellationToken);
        }
        BookingRow booking;
        try
        {
            booking = await BeginAsync(command, hash, startsAt, discount, bookingId, cancellationToken);
        }
        catch when (discount > 0)
        {
            // No booking was written: its reservation goes back now (referral's TTL would, later).
            await discounts.ReleaseAsync(bookingId, command.Authorization, CancellationToken.None);
            throw;
        }
        // The key or the hold answered another booking (a retry, a concurrent checkout of the same hold): this
        // request's reservation is nobody's.
        if (booking.Id != bookingId && discount > 0) await discounts.ReleaseAsync(bookingId, command.Authorization, CancellationToken.None);
        if (booking.Status != BookingStates.Pending) return booking;

        if (booking.AmountMinor == 0) return await SettleAsync(booking.Id, NothingToPay(booking), CancellationToken.None) ?? booking;
        var outcome = await charges.ChargeAsync(booking, command.Authorization, CancellationToken.None);
        // Not the caller's token: a client leaving now must not leave a paid booking PENDING until recovery.
        return await SettleAsync(booking.Id, outcome, CancellationToken.None) ?? booking;
    }

    /// <summary>A booking of nothing to pay (free seats) is settled as paid without a payment.</summary>
    private static ChargeOutcome.Paid NothingToPay(BookingRow booking) => new(Guid.Empty, 0, booking.Currency);

    /// <summary>The show of a show hold (null for a slot hold), checked bookable.</summary>
    private async Task<Catalog.V1.Show?> ShowOfAsync(HoldRow hold, CancellationToken cancellationToken)
    {
        if (hold.SlotStart is not null) return null;
        // The show alone and uncached: its start time and whether it was cancelled since the hold (not its seat map).
        var show = await catalog.FindShowAsync(hold.ShowId!.Value, cancellationToken);
        if (show?.StartTime is null) throw HoldErrors.ShowNotBookable(hold.ShowId.Value, "no longer exists");
        // Cancelled after the hold was made: no booking of a cancelled show.
        if (show.Status == Catalog.V1.ShowStatus.Cancelled) throw HoldErrors.ShowNotBookable(hold.ShowId.Value, "is cancelled");
        return show;
    }

    /// <summary>
    /// The coupon's discount, reserved for <paramref name="bookingId"/> (0 without a coupon). A coupon refused for a
    /// business reason (FAILED_PRECONDITION) refuses the checkout, unless the client chose to pay full price then.
    /// </summary>
    private async Task<long> ReserveDiscountAsync(CheckoutCommand command, HoldRow hold, Catalog.V1.Show? show, Guid bookingId, CancellationToken cancellationToken)
    {
        if (command.CouponCode.Length == 0) return 0;
        var request = new DiscountRequest(bookingId, command.UserId, command.CouponCode, hold.AmountMinor, hold.Currency, hold.ShowId,
            show?.CityId ?? "", show?.Event?.Kind ?? "", command.Authorization);
        try
        {
            return Math.Clamp(await discounts.ReserveAsync(request, cancellationToken), 0, hold.AmountMinor);
        }
        catch (RpcException e) when (command.CouponOptional && e.StatusCode == StatusCode.FailedPrecondition)
        {
            logger.LogInformation("Coupon refused for booking {BookingId} ({Message}); checking out at full price as the client chose", bookingId, e.Status.Detail);
            return 0;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.Internal or StatusCode.Unknown)
        {
            // The reservation may have been made with its answer lost: give it back now (else its TTL does). The checkout
            // is refused (UNAVAILABLE-like), never charged at a price the client did not agree to.
            await discounts.ReleaseAsync(bookingId, command.Authorization, CancellationToken.None);
            throw;
        }
    }

    /// <summary>TX1, or the booking this request (same key) or this hold already became.</summary>
    private async Task<BookingRow> BeginAsync(CheckoutCommand command, byte[] hash, DateTime? startsAt, long discount, Guid bookingId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (connection, tx) = await store.BeginAsync(cancellationToken);
            await using (connection)
            await using (tx)
            {
                try
                {
                    // One round trip: the key's booking, the hold locked, the hold's booking (read after the lock).
                    var (byKey, hold, byHold) = await BookingsStore.ReadForCheckoutAsync(tx, command.UserId, command.IdempotencyKey, command.HoldId);
                    if (byKey is not null)
                        return CryptographicOperations.FixedTimeEquals(byKey.RequestHash, hash) ? byKey : throw BookingErrors.KeyReused();
                    if (hold is null || hold.UserId != command.UserId) throw HoldErrors.HoldNotFound(command.HoldId.ToString());
                    if (byHold is not null)
                    {
                        // One booking per hold. The same key racing in with another request (a different card)
                        // missed FindByKey above; it is still a reused key.
                        if (command.IdempotencyKey is { } raced && byHold.IdempotencyKey == raced && !CryptographicOperations.FixedTimeEquals(byHold.RequestHash, hash))
                            throw BookingErrors.KeyReused();
                        return byHold;
                    }
                    var now = Now;
                    if (hold.ReleasedAt is not null) throw BookingErrors.HoldNotActive(hold.Id, "released");
                    if (hold.ExpiresAt <= now) throw BookingErrors.HoldNotActive(hold.Id, "expired");
                    // Only when the hold had a booking at the first read and lost it since (impossible today: bookings are never deleted).
                    if (startsAt is null) throw BookingErrors.HoldNotActive(hold.Id, "being checked out");
                    if (startsAt <= now) throw HoldErrors.ShowNotBookable(hold.ShowId ?? hold.ServiceId ?? hold.Id, "has already started");

                    var booking = new BookingRow
                    {
                        Id = bookingId, HoldId = hold.Id, UserId = command.UserId, Status = BookingStates.Pending,
                        ShowId = hold.ShowId, ServiceId = hold.ServiceId, SlotStart = hold.SlotStart, Quantity = hold.Quantity, StartsAt = Microseconds(startsAt.Value),
                        AmountMinor = hold.AmountMinor - discount, DiscountMinor = discount, Currency = hold.Currency,
                        CouponCode = discount > 0 ? command.CouponCode : null,
                        PaymentMethodId = command.PaymentMethodId, IdempotencyKey = command.IdempotencyKey, RequestHash = hash,
                        CreateTime = now, Deadline = now + options.CheckoutTimeout,
                    };
                    // Never shorter than the hold itself gave: the places stay claimed at least until the deadline has been acted on.
                    var claimsUntil = booking.Deadline + options.CheckoutClaimGrace;
                    // The claims must still be there: another transaction may have deleted them as expired between
                    // the hold's expiry check above (this replica's clock) and now. No places, no charge.
                    if (!await BookingsStore.InsertPendingAsync(tx, booking, claimsUntil > hold.ExpiresAt ? claimsUntil : hold.ExpiresAt))
                        throw BookingErrors.HoldNotActive(hold.Id, "expired");
                    await tx.CommitAsync(cancellationToken);
                    holdChanges.Notify(hold.Id); // WatchHold streams see BOOKED at once
                    return booking;
                }
                catch (PostgresException e) when (e.SqlState == BookingsStore.UniqueViolation && attempt < 3)
                {
                    // A concurrent checkout with the same key or hold won; the next attempt answers its booking.
                }
            }
        }
    }

    /// <summary>
    /// TX2: applies a charge outcome to the booking, whatever state it is in now — PENDING settles; a payment that
    /// arrives for a FAILED booking is refunded in full (once); anything else is left as it is. Returns the booking
    /// after, or null when it does not exist.
    /// </summary>
    public async Task<BookingRow?> SettleAsync(Guid bookingId, ChargeOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome is ChargeOutcome.Unknown) return await LoadAsync(bookingId, cancellationToken);
        var (connection, tx) = await store.BeginAsync(cancellationToken);
        await using (connection)
        await using (tx)
        {
            var booking = await SettleAsync(tx, bookingId, outcome);
            await tx.CommitAsync(cancellationToken);
            if (booking is not null) holdChanges.Notify(booking.HoldId);
            return booking;
        }
    }

    /// <summary><see cref="SettleAsync(Guid, ChargeOutcome, CancellationToken)"/> inside the caller's transaction (the payment-event consumer's inbox transaction).</summary>
    public async Task<BookingRow?> SettleAsync(NpgsqlTransaction tx, Guid bookingId, ChargeOutcome outcome)
    {
        // The hold's seats come with the lock (one round trip): confirming needs them for the tickets.
        var (booking, seats) = await BookingsStore.LockWithSeatsAsync(tx, bookingId);
        if (booking is null) return null;
        var now = Now;
        switch (outcome)
        {
            case ChargeOutcome.Paid paid when !IsThisBookingsCharge(booking, paid):
                // A payment made under this booking's id as idempotency key but not for its amount (the user paying
                // something else with that key by hand): not this booking's money. Left for reconciliation.
                logger.LogWarning("Payment {PaymentId} ({Amount} {Currency}) names booking {BookingId} ({Expected} {ExpectedCurrency}) but is not its charge; ignored",
                    paid.PaymentId, paid.Amount, paid.Currency, booking.Id, booking.AmountMinor, booking.Currency);
                break;
            case ChargeOutcome.Paid paid when booking.Status == BookingStates.Pending:
                booking.PaymentId = paid.PaymentId == Guid.Empty ? null : paid.PaymentId;
                var tickets = await TicketsAsync(booking, seats);
                // The claims must still be this hold's (they are unless the booking outlived its claims, e.g. the
                // service was down past deadline + grace and someone else took a place): then it cannot be confirmed.
                var expected = booking.ShowId is not null ? tickets.Count : 1;
                if (await HoldClaims.MakePermanentAsync(tx, booking.HoldId) < expected)
                {
                    logger.LogWarning("Booking {BookingId} was paid after its places were lost; failing and refunding it", booking.Id);
                    booking.Status = BookingStates.Failed;
                    booking.FailureReason = "HOLD_EXPIRED";
                    await BookingsStore.MarkFailedAsync(tx, booking, now);
                    if (booking.PaymentId is { } lost) await BookingsStore.RequestLateRefundAsync(tx, booking, lost, paid.Amount);
                    break;
                }
                booking.Status = BookingStates.Confirmed;
                booking.ConfirmTime = now;
                await BookingsStore.MarkConfirmedAsync(tx, booking, tickets);
                break;
            case ChargeOutcome.Paid paid when booking.Status == BookingStates.Failed && paid.PaymentId != Guid.Empty && booking.RefundTaskId is null:
                logger.LogWarning("Payment {PaymentId} arrived for booking {BookingId}, which had failed ({Reason}); refunding it", paid.PaymentId, booking.Id, booking.FailureReason);
                await BookingsStore.RequestLateRefundAsync(tx, booking, paid.PaymentId, paid.Amount);
                break;
            case ChargeOutcome.Refused refused when booking.Status == BookingStates.Pending:
                booking.Status = BookingStates.Failed;
                booking.FailureReason = refused.Reason;
                booking.PaymentId = refused.PaymentId;
                await BookingsStore.MarkFailedAsync(tx, booking, now);
                break;
        }
        return booking;
    }

    private static bool IsThisBookingsCharge(BookingRow booking, ChargeOutcome.Paid paid) =>
        paid.Amount == booking.AmountMinor && string.Equals(paid.Currency, booking.Currency, StringComparison.OrdinalIgnoreCase);

    /// <summary>Fails a PENDING booking whose deadline passed (PAYMENT_TIMEOUT); a payment arriving later is refunded.</summary>
    public async Task<BookingRow?> ExpireAsync(Guid bookingId, CancellationToken cancellationToken)
    {
        var (connection, tx) = await store.BeginAsync(cancellationToken);
        await using (connection)
        await using (tx)
        {
            var booking = await BookingsStore.LockAsync(tx, bookingId);
            if (booking is null || booking.Status != BookingStates.Pending || booking.Deadline > Now) return booking;
            booking.Status = BookingStates.Failed;
            booking.FailureReason = "PAYMENT_TIMEOUT";
            await BookingsStore.MarkFailedAsync(tx, booking, Now);
            await tx.CommitAsync(cancellationToken);
            return booking;
        }
    }

    /// <summary>Asks payment (queue task) to settle the charge of a booking still PENDING.</summary>
    public async Task RequestChargeAsync(Guid bookingId, CancellationToken cancellationToken)
    {
        var (connection, tx) = await store.BeginAsync(cancellationToken);
        await using (connection)
        await using (tx)
        {
            var booking = await BookingsStore.LockAsync(tx, bookingId);
            if (booking is null || booking.Status != BookingStates.Pending) return;
            if (booking.AmountMinor == 0)
            {
                // Nothing to charge (payment refuses zero amounts): settle it as paid.
                await SettleAsync(tx, booking.Id, NothingToPay(booking));
            }
            else if (!Guid.TryParse(booking.UserId, out _))
            {
                // Payment knows only uuid users: it cannot have charged this one.
                booking.Status = BookingStates.Failed;
                booking.FailureReason = "PAYMENT_USER_UNKNOWN";
                await BookingsStore.MarkFailedAsync(tx, booking, Now);
            }
            else
            {
                await BookingsStore.RequestChargeAsync(tx, booking, Now);
            }
            await tx.CommitAsync(cancellationToken);
        }
    }

    private async Task<IReadOnlyList<TicketRow>> TicketsAsync(BookingRow booking, IReadOnlyList<HeldSeatRow> seats)
    {
        var tickets = new List<TicketRow>();
        if (booking.ShowId is not null)
        {
            foreach (var seat in seats)
                tickets.Add(new TicketRow { Id = Guid.CreateVersion7(), BookingId = booking.Id, SeatId = seat.SeatId, RowLabel = seat.RowLabel, Label = seat.Label, Position = tickets.Count });
        }
        else
        {
            for (var i = 0; i < (booking.Quantity ?? 1); i++)
                tickets.Add(new TicketRow { Id = Guid.CreateVersion7(), BookingId = booking.Id, Label = $"place {i + 1}", Position = i });
        }
        foreach (var ticket in tickets) ticket.Code = await codes.SignAsync(ticket.Id, booking.Id, CancellationToken.None);
        return tickets;
    }

    private async Task<BookingRow?> LoadAsync(Guid id, CancellationToken cancellationToken) => (await store.FindAsync(id, cancellationToken))?.Booking;

    /// <summary>"The same checkout": SHA-256 over the hold, the payment method and the coupon (and the client's full-price choice, when made).</summary>
    private static byte[] Fingerprint(CheckoutCommand c) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"{c.HoldId:N}|{c.PaymentMethodId:N}|{c.CouponCode}{(c.CouponOptional ? "|optional" : "")}"));
}
