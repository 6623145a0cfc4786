using Grpc.Core;
using BookingClient = Mesh.Booking.V1.Booking.BookingClient;
using CatalogClient = Mesh.Catalog.V1.Catalog.CatalogClient;
using PaymentsClient = Mesh.Payment.V1.Payments.PaymentsClient;
using UsersClient = Mesh.Users.V1.Users.UsersClient;
using BookingV1 = Mesh.Booking.V1;
using CatalogV1 = Mesh.Catalog.V1;
using PaymentV1 = Mesh.Payment.V1;
using UsersV1 = Mesh.Users.V1;

namespace Mesh.AppHost.Tests;

/// <summary>
/// The README's walk-through against the whole app host through each service's own gRPC endpoint, as the app model
/// allocated it — the generated clients of protos/Mesh.Contracts, no edge in between.
/// </summary>
public sealed class GrpcFlowTests(AppHostFixture mesh)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_sign_in_browse_hold_book_cancel_and_refund_over_grpc()
    {
        var users = new UsersClient(mesh.Channel("users"));
        var catalog = new CatalogClient(mesh.Channel("catalog"));
        var payments = new PaymentsClient(mesh.Channel("payment"));
        var booking = new BookingClient(mesh.Channel("booking"));

        // Register → sign in → who am I.
        var email = $"grace-{Guid.NewGuid():N}@example.com";
        var user = await users.RegisterAsync(new UsersV1.RegisterRequest { Email = email, Password = AppHostFixture.Password, DisplayName = "Grace Hopper" }, cancellationToken: Ct);
        Assert.Equal(email, user.Email);
        var session = await users.LoginAsync(new UsersV1.LoginRequest { Email = email, Password = AppHostFixture.Password }, cancellationToken: Ct);
        var auth = Bearer(session.AccessToken);
        var me = await users.GetMeAsync(new UsersV1.GetMeRequest(), auth, cancellationToken: Ct);
        Assert.Equal(user.Name, me.Name);
        var method = await payments.CreatePaymentMethodAsync(
            new PaymentV1.CreatePaymentMethodRequest { CardNumber = "4242 4242 4242 4242", ExpMonth = 12, ExpYear = 2030, Cvc = "123" }, auth, cancellationToken: Ct);

        // Browse: a city, its first show, a free seat.
        var cities = await catalog.ListCitiesAsync(new CatalogV1.ListCitiesRequest(), cancellationToken: Ct);
        Assert.Contains(cities.Cities, c => c.Id == "amsterdam");
        var shows = await catalog.ListShowsAsync(new CatalogV1.ListShowsRequest { City = "amsterdam", PageSize = 1 }, cancellationToken: Ct);
        var show = Assert.Single(shows.Shows).Id;
        var seats = await catalog.ListShowSeatsAsync(new CatalogV1.ListShowSeatsRequest { Id = show }, cancellationToken: Ct);
        var seat = seats.Seats.First(s => s.Status == CatalogV1.SeatStatus.Available);

        // Hold → book.
        var hold = await booking.CreateHoldAsync(new BookingV1.CreateHoldRequest { ShowId = show, SeatIds = { seat.Id } }, auth, cancellationToken: Ct);
        Assert.Equal(BookingV1.HoldStatus.Active, hold.Status);
        Assert.Equal(seat.PriceMinor, hold.AmountMinor);
        var checkoutHeaders = new Metadata { { "authorization", $"Bearer {session.AccessToken}" }, { "idempotency-key", $"checkout-{Guid.NewGuid():N}" } };
        var booked = await booking.CheckoutAsync(new BookingV1.CheckoutRequest { HoldId = hold.Id, PaymentMethodId = method.Id }, checkoutHeaders, cancellationToken: Ct);
        Assert.Equal(BookingV1.BookingStatus.Confirmed, booked.Status);
        Assert.Equal(hold.AmountMinor, booked.AmountMinor);
        Assert.NotEmpty(booked.Tickets);
        var paid = await payments.GetPaymentAsync(new PaymentV1.GetPaymentRequest { Id = booked.PaymentId }, auth, cancellationToken: Ct);
        Assert.Equal(PaymentV1.PaymentStatus.Succeeded, paid.Status);
        Assert.Equal(booked.AmountMinor, paid.AmountCaptured);

        // The catalog's seat map may be up to a second stale (it caches booking's seat status, so it may still say
        // AVAILABLE or HELD): poll, with a hang guard.
        var status = CatalogV1.SeatStatus.Available;
        for (var attempt = 0; attempt < 300 && status != CatalogV1.SeatStatus.Booked; attempt++)
        {
            if (attempt > 0) await Task.Delay(100, Ct);
            var map = await catalog.ListShowSeatsAsync(new CatalogV1.ListShowSeatsRequest { Id = show }, cancellationToken: Ct);
            status = map.Seats.Single(s => s.Id == seat.Id).Status;
        }
        Assert.Equal(CatalogV1.SeatStatus.Booked, status);

        // Cancel → refund (a queue task in the payment service).
        var quote = await booking.QuoteCancellationAsync(new BookingV1.QuoteCancellationRequest { Id = booked.Id }, auth, cancellationToken: Ct);
        Assert.True(quote.Cancellable);
        var cancelled = await booking.CancelBookingAsync(new BookingV1.CancelBookingRequest { Id = booked.Id, Reason = "plans changed" }, auth, cancellationToken: Ct);
        Assert.Equal(BookingV1.BookingStatus.Cancelled, cancelled.Status);

        var refunded = await WaitForRefundAsync(payments, booked.PaymentId, auth);
        Assert.Equal(quote.RefundMinor, refunded.AmountRefunded);
        Assert.Equal(booked.AmountMinor, refunded.AmountCaptured);
        var after = await booking.GetBookingAsync(new BookingV1.GetBookingRequest { Id = booked.Id }, auth, cancellationToken: Ct);
        Assert.Equal(BookingV1.BookingStatus.Cancelled, after.Status);
        await mesh.AssertLedgerBalancesAsync(Ct);
    }

    private static Metadata Bearer(string token) => new() { { "authorization", $"Bearer {token}" } };

    /// <summary>Polls the payment until a refund shows; the refund runs in the payment service as a queue task.</summary>
    private static async Task<PaymentV1.Payment> WaitForRefundAsync(PaymentsClient payments, string paymentId, Metadata auth)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromMinutes(2));
        while (true)
        {
            var payment = await payments.GetPaymentAsync(new PaymentV1.GetPaymentRequest { Id = paymentId }, auth, cancellationToken: cts.Token);
            if (payment.AmountRefunded > 0) return payment;
            await Task.Delay(250, cts.Token);
        }
    }
}
