using Grpc.Net.Client;
using Mesh.Payment.V1;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Support.Tests.Support;
using Mesh.Support.V1;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Support.Tests;

/// <summary>
/// The real payment and booking services in-process next to support (each with its own database): an agent sees the
/// ticket customer's payments and bookings and refunds a payment through payment's staff-only CreateRefund, all with
/// the agent's own token; a customer may do neither.
/// </summary>
public sealed class BackOfficeTests(BackOfficeFixture fixture) : IClassFixture<BackOfficeFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_agent_sees_the_customers_payments_and_refunds_one_through_payment()
    {
        var customer = fixture.Support.Customer();
        var agent = fixture.Support.Agent();
        var payment = await fixture.PayAsync(customer, 5000);
        var ticket = await fixture.Support.Client.CreateTicketAsync(new CreateTicketRequest
        {
            Subject = "Charged twice", Body = "Please refund.", Category = "payment", PaymentId = payment.Id,
        }, customer.Bearer, cancellationToken: Ct);

        var summary = await fixture.Support.Client.GetCustomerSummaryAsync(new GetCustomerSummaryRequest { TicketId = ticket.Id }, agent.Bearer, cancellationToken: Ct);
        Assert.Equal(customer.Id.ToString(), summary.CustomerId);
        var listed = Assert.Single(summary.Payments);
        Assert.Equal((payment.Id, 5000L, 0L, "SUCCEEDED"), (listed.Id, listed.Amount, listed.AmountRefunded, listed.Status));
        Assert.Empty(summary.Bookings); // booking answered (staff-only ListUserBookings): this customer has none

        var refund = await fixture.Support.Client.RefundPaymentAsync(new RefundPaymentRequest
        {
            TicketId = ticket.Id, PaymentId = payment.Id, Amount = 2000, Reason = "double charge",
        }, new Metadata { agent.Bearer[0], { "idempotency-key", "refund-1" } }, cancellationToken: Ct);
        Assert.Equal((payment.Id, 2000L, "EUR"), (refund.PaymentId, refund.Amount, refund.Currency));
        var after = await fixture.Support.Client.GetCustomerSummaryAsync(new GetCustomerSummaryRequest { TicketId = ticket.Id }, agent.Bearer, cancellationToken: Ct);
        Assert.Equal(2000, Assert.Single(after.Payments).AmountRefunded);

        // The refund is an internal note: agents see it, the customer does not.
        var agentView = await fixture.Support.Client.ListMessagesAsync(new ListMessagesRequest { TicketId = ticket.Id }, agent.Bearer, cancellationToken: Ct);
        Assert.Contains(agentView.Messages, m => m.Internal && m.Body.StartsWith($"Refund {refund.RefundId}", StringComparison.Ordinal));
        Assert.Empty((await fixture.Support.Client.ListMessagesAsync(new ListMessagesRequest { TicketId = ticket.Id }, customer.Bearer, cancellationToken: Ct)).Messages);
    }

    [Fact]
    public async Task Customers_cannot_use_the_back_office_and_agents_cannot_refund_another_customers_payment_through_a_ticket()
    {
        var customer = fixture.Support.Customer();
        var stranger = fixture.Support.Customer();
        var agent = fixture.Support.Agent();
        var strangersPayment = await fixture.PayAsync(stranger, 1000);
        var ticket = await TicketSteps.OpenAsync(fixture.Support, customer, category: "payment");

        var e = await Assert.ThrowsAsync<RpcException>(() => fixture.Support.Client.GetCustomerSummaryAsync(new GetCustomerSummaryRequest { TicketId = ticket.Id }, customer.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Support.Client.RefundPaymentAsync(new RefundPaymentRequest { TicketId = ticket.Id, PaymentId = strangersPayment.Id }, customer.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        e = await Assert.ThrowsAsync<RpcException>(() => fixture.Support.Client.RefundPaymentAsync(new RefundPaymentRequest { TicketId = ticket.Id, PaymentId = strangersPayment.Id }, agent.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        var untouched = await fixture.Payments.GetPaymentAsync(new GetPaymentRequest { Id = strangersPayment.Id }, stranger.Bearer, cancellationToken: Ct);
        Assert.Equal(0, untouched.AmountRefunded);
    }
}

/// <summary>Support (one replica, through <see cref="SupportFixture"/>'s databases) wired to real payment and booking services in-process.</summary>
public sealed class BackOfficeFixture(TestServers servers) : IAsyncLifetime
{
    private readonly IsolatedData _paymentData = new(servers);
    private readonly IsolatedData _bookingData = new(servers);
    private readonly List<WebApplication> _apps = [];
    private GrpcChannel _paymentChannel = null!;

    public SupportFixture Support { get; } = new(servers);
    public Payments.PaymentsClient Payments { get; private set; } = null!;

    public async Task<Mesh.Payment.V1.Payment> PayAsync(TestCaller customer, long amount)
    {
        var method = await Payments.CreatePaymentMethodAsync(new CreatePaymentMethodRequest
        {
            CardNumber = Mesh.Payment.Provider.TestCards.Visa, ExpMonth = 12, ExpYear = DateTime.UtcNow.Year + 2, Cvc = "123",
        }, customer.Bearer, cancellationToken: TestContext.Current.CancellationToken);
        return await Payments.CreatePaymentAsync(new CreatePaymentRequest { PaymentMethodId = method.Id, Amount = amount, Currency = "EUR", Capture = true },
            customer.Bearer, cancellationToken: TestContext.Current.CancellationToken);
    }

    public async ValueTask InitializeAsync()
    {
        await Support.InitializeAsync();
        var tokens = Support.Tokens;
        var auth = new Dictionary<string, string?> { ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId, ["Mesh:Auth:Keys:0:Pem"] = tokens.PublicKeyPem };

        var payment = InProcessService.CreateBuilder(typeof(Mesh.Payment.PaymentsApi), new Dictionary<string, string?>(auth)
        {
            ["ConnectionStrings:paymentdb"] = await _paymentData.PostgresConnectionStringAsync(),
            ["ConnectionStrings:messaging"] = await _paymentData.RabbitMqConnectionStringAsync(),
            ["Payment:MaintenanceInterval"] = "01:00:00",
        });
        payment.AddServiceDefaults();
        payment.AddPayment();
        var paymentApp = payment.Build();
        await paymentApp.MigratePaymentDatabaseAsync();
        paymentApp.MapGrpcService<Mesh.Payment.PaymentsApi>();
        paymentApp.MapDefaultEndpoints();
        await paymentApp.StartAsync(TestContext.Current.CancellationToken);
        _apps.Add(paymentApp);
        var paymentAddress = paymentApp.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;
        _paymentChannel = GrpcChannel.ForAddress(paymentAddress);
        Payments = new Payments.PaymentsClient(_paymentChannel);

        var booking = InProcessService.CreateBuilder(typeof(Mesh.Booking.BookingApi), new Dictionary<string, string?>(auth)
        {
            ["ConnectionStrings:bookingdb"] = await _bookingData.PostgresConnectionStringAsync(),
            ["services:catalog:grpc:0"] = "http://127.0.0.1:9", // not called by the back office's reads
        });
        booking.AddServiceDefaults();
        booking.AddBooking();
        var bookingApp = booking.Build();
        await bookingApp.MigrateBookingDatabaseAsync();
        bookingApp.MapBooking();
        bookingApp.MapDefaultEndpoints();
        await bookingApp.StartAsync(TestContext.Current.CancellationToken);
        _apps.Add(bookingApp);

        // Support's replica A again, now with the addresses of payment and booking.
        await Support.A.StopAsync();
        await Support.ReplaceAAsync(new Dictionary<string, string?>
        {
            ["services:payment:grpc:0"] = paymentAddress.ToString(),
            ["services:booking:grpc:0"] = bookingApp.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress.ToString(),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Support.DisposeAsync();
        _paymentChannel?.Dispose();
        foreach (var app in _apps) await app.DisposeAsync();
    }
}
