using Mesh.Booking.Tests.Support;
using Mesh.Booking.V1;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>Bad input to the booking RPCs → INVALID_ARGUMENT naming the field; nothing is written or charged.</summary>
public sealed class BookingBadInputTests(CheckoutFixture fixture) : IClassFixture<CheckoutFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> CheckoutCases => new()
    {
        { "hold=", "hold_id" },
        { "hold=x", "hold_id" },
        { "method=", "payment_method_id" },
        { "method=card", "payment_method_id" },
        { "coupon=65", "coupon_code" },
        { "key=256", "idempotency-key" },
    };

    [Theory]
    [MemberData(nameof(CheckoutCases))]
    public async Task Checkout(string change, string field)
    {
        var (show, seats) = fixture.AddShow();
        var alice = await fixture.NewCustomerAsync();
        var hold = await fixture.HoldAsync(alice, show, seats[0]);
        var request = new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = alice.CardId };
        var headers = alice.WithKey("fine");
        switch (change)
        {
            case "hold=": request.HoldId = ""; break;
            case "hold=x": request.HoldId = "x"; break;
            case "method=": request.PaymentMethodId = ""; break;
            case "method=card": request.PaymentMethodId = "4242424242424242"; break;
            case "coupon=65": request.CouponCode = new string('C', 65); break;
            case "key=256": headers = alice.WithKey(new string('k', 256)); break;
        }
        var e = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.CheckoutAsync(request, headers, cancellationToken: Ct));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(field, Errors.Fields(e));
        Assert.Equal(0L, await fixture.BookingScalarAsync<long>("SELECT count(*) FROM bookings WHERE hold_id = @h", new { h = Guid.Parse(hold.Id) }));
    }

    public static TheoryData<string, string> OtherCases => new()
    {
        { "get id=", "id" },
        { "get id=x", "id" },
        { "quote id=x", "id" },
        { "cancel id=", "id" },
        { "cancel reason=201", "reason" },
        { "list page_size=101", "page_size" },
        { "list page_size=-1", "page_size" },
        { "list when=9", "when" },
        { "list page_token=junk", "page_token" },
        { "verify code=", "code" },
    };

    [Theory]
    [MemberData(nameof(OtherCases))]
    public async Task Other_rpcs(string change, string field)
    {
        var alice = await fixture.NewCustomerAsync(roles: ["customer", "partner"]);
        var id = Guid.NewGuid().ToString();
        Func<Task> call = change switch
        {
            "get id=" => () => fixture.Client.GetBookingAsync(new GetBookingRequest(), alice.Bearer, cancellationToken: Ct).ResponseAsync,
            "get id=x" => () => fixture.Client.GetBookingAsync(new GetBookingRequest { Id = "x" }, alice.Bearer, cancellationToken: Ct).ResponseAsync,
            "quote id=x" => () => fixture.Client.QuoteCancellationAsync(new QuoteCancellationRequest { Id = "x" }, alice.Bearer, cancellationToken: Ct).ResponseAsync,
            "cancel id=" => () => fixture.Client.CancelBookingAsync(new CancelBookingRequest(), alice.Bearer, cancellationToken: Ct).ResponseAsync,
            "cancel reason=201" => () => fixture.Client.CancelBookingAsync(new CancelBookingRequest { Id = id, Reason = new string('r', 201) }, alice.Bearer, cancellationToken: Ct).ResponseAsync,
            "list page_size=101" => () => fixture.Client.ListMyBookingsAsync(new ListMyBookingsRequest { PageSize = 101 }, alice.Bearer, cancellationToken: Ct).ResponseAsync,
            "list page_size=-1" => () => fixture.Client.ListMyBookingsAsync(new ListMyBookingsRequest { PageSize = -1 }, alice.Bearer, cancellationToken: Ct).ResponseAsync,
            "list when=9" => () => fixture.Client.ListMyBookingsAsync(new ListMyBookingsRequest { When = (BookingTimeFilter)9 }, alice.Bearer, cancellationToken: Ct).ResponseAsync,
            "list page_token=junk" => () => fixture.Client.ListMyBookingsAsync(new ListMyBookingsRequest { PageToken = "junk" }, alice.Bearer, cancellationToken: Ct).ResponseAsync,
            "verify code=" => () => fixture.Client.VerifyTicketAsync(new VerifyTicketRequest(), alice.Bearer, cancellationToken: Ct).ResponseAsync,
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };
        var e = await Assert.ThrowsAsync<RpcException>(call);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(field, Errors.Fields(e));
    }

    [Fact]
    public async Task Every_booking_rpc_needs_a_signed_in_caller()
    {
        var anonymous = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.CheckoutAsync(new CheckoutRequest { HoldId = Guid.NewGuid().ToString(), PaymentMethodId = Guid.NewGuid().ToString() }, cancellationToken: Ct));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        var list = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.ListMyBookingsAsync(new ListMyBookingsRequest(), cancellationToken: Ct));
        Assert.Equal(StatusCode.Unauthenticated, list.StatusCode);
    }
}
