using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.V1;
using Mesh.Payment.V1;
using Mesh.Support.V1;

namespace Mesh.Support.BackOffice;

/// <summary>
/// What an agent sees of a ticket's customer and may do for them, through the services that own it: bookings from
/// booking (ListUserBookings), payments and refunds from payment (ListUserPayments, CreateRefund). Every call carries
/// the agent's own bearer token, so booking and payment authorize the agent as staff themselves (roles support_agent
/// or admin) — support holds no privilege of its own there.
/// </summary>
public sealed class CustomerAccounts(Mesh.Booking.V1.Booking.BookingClient bookings, Payments.PaymentsClient payments)
{
    private const int RecentItems = 10;
    private const int PaymentLookupPages = 10;

    public async Task<CustomerSummary> SummaryAsync(Guid customerId, string authorization, CancellationToken cancellationToken)
    {
        var headers = new Metadata { { "authorization", authorization } };
        var upcoming = bookings.ListUserBookingsAsync(ListingOf(customerId, BookingTimeFilter.Upcoming), headers, cancellationToken: cancellationToken).ResponseAsync;
        var past = bookings.ListUserBookingsAsync(ListingOf(customerId, BookingTimeFilter.Past), headers, cancellationToken: cancellationToken).ResponseAsync;
        var recentPayments = payments.ListUserPaymentsAsync(new ListUserPaymentsRequest { UserId = customerId.ToString(), PageSize = RecentItems }, headers, cancellationToken: cancellationToken).ResponseAsync;
        await Task.WhenAll(upcoming, past, recentPayments);

        var summary = new CustomerSummary { CustomerId = customerId.ToString() };
        summary.Bookings.AddRange((await upcoming).Bookings.Concat((await past).Bookings).Select(b => new BookingSummary
        {
            Id = b.Id, Status = b.Status.ToString().ToUpperInvariant(), Amount = b.AmountMinor, Currency = b.Currency, CreateTime = b.CreateTime,
        }));
        summary.Payments.AddRange((await recentPayments).Payments.Select(p => new PaymentSummary
        {
            Id = p.Id, Status = p.Status.ToString().ToUpperInvariant(), Amount = p.Amount, AmountRefunded = p.AmountRefunded, Currency = p.Currency, CreateTime = p.CreateTime,
        }));
        return summary;
    }

    /// <summary>Whether <paramref name="paymentId"/> is one of the customer's payments (their latest few hundred).</summary>
    public async Task<bool> IsCustomersPaymentAsync(Guid customerId, Guid paymentId, string authorization, CancellationToken cancellationToken)
    {
        var headers = new Metadata { { "authorization", authorization } };
        var token = "";
        for (var page = 0; page < PaymentLookupPages; page++)
        {
            var response = await payments.ListUserPaymentsAsync(new ListUserPaymentsRequest { UserId = customerId.ToString(), PageSize = 100, PageToken = token }, headers, cancellationToken: cancellationToken);
            if (response.Payments.Any(p => p.Id == paymentId.ToString())) return true;
            if ((token = response.NextPageToken).Length == 0) return false;
        }
        return false;
    }

    /// <summary>Starts the refund at payment (its staff-only CreateRefund) with the agent's token and idempotency key.</summary>
    public async Task<Refund> RefundAsync(Guid paymentId, long amount, string reason, string authorization, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var headers = new Metadata { { "authorization", authorization } };
        if (idempotencyKey is not null) headers.Add("idempotency-key", idempotencyKey);
        return await payments.CreateRefundAsync(new CreateRefundRequest { Id = paymentId.ToString(), Amount = amount, Reason = reason }, headers, cancellationToken: cancellationToken);
    }

    private static ListUserBookingsRequest ListingOf(Guid customerId, BookingTimeFilter when) =>
        new() { UserId = customerId.ToString(), Listing = new ListMyBookingsRequest { When = when, PageSize = RecentItems } };
}
