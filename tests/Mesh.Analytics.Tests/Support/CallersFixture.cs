using Grpc.Net.Client;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Analytics.Tests.Support;

/// <summary>
/// Analytics with its real callers in-process: payment (its own database, its outbox relay to the same broker vhost, so
/// its payment.failed events reach the stream) and users (its own database, the shared Redis), both consulting
/// analytics' CheckRisk. Their deadline for it is generous for a shared test machine (a cold first call).
/// </summary>
public sealed class CallersFixture(TestServers servers) : AnalyticsFixture(servers)
{
    private WebApplication _payment = null!;
    private WebApplication _users = null!;

    public IsolatedData PaymentData { get; } = new(servers);
    public IsolatedData UsersData { get; } = new(servers);
    public Mesh.Payment.V1.Payments.PaymentsClient Payment { get; private set; } = null!;
    public Mesh.Users.V1.Users.UsersClient Users { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var ct = TestContext.Current.CancellationToken;

        var payment = InProcessService.CreateBuilder(typeof(Mesh.Payment.PaymentsApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:paymentdb"] = await PaymentData.PostgresConnectionStringAsync(),
            ["ConnectionStrings:messaging"] = Messaging,
            ["services:analytics:grpc:0"] = GrpcAddress.ToString(),
            ["Payment:RiskCheckTimeout"] = "00:00:02",
            ["Payment:MaintenanceInterval"] = "01:00:00",
            ["Mesh:Outbox:PollInterval"] = "00:00:00.1",
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        payment.AddServiceDefaults();
        payment.AddPayment();
        payment.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Payment.Subscriptions.RecurringChargeRequested.Queues);   // as payment's Program.cs
        _payment = payment.Build();
        await _payment.MigratePaymentDatabaseAsync();
        _payment.MapGrpcService<Mesh.Payment.PaymentsApi>();
        _payment.MapDefaultEndpoints();
        await _payment.StartAsync(ct);
        Payment = new(GrpcChannel.ForAddress(_payment.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress));

        var users = InProcessService.CreateBuilder(typeof(Mesh.Users.UsersApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:usersdb"] = await UsersData.PostgresConnectionStringAsync(),
            ["ConnectionStrings:cache"] = await UsersData.RedisConnectionStringAsync(),
            ["Users:RedisKeyPrefix"] = UsersData.RedisKeyPrefix,
            ["Users:Passwords:Iterations"] = "1000",   // a test's cost, not production's
            ["services:analytics:grpc:0"] = GrpcAddress.ToString(),
            ["Users:RiskCheckTimeout"] = "00:00:02",
        });
        users.AddServiceDefaults();
        users.AddUsers();
        _users = users.Build();
        await _users.MigrateUsersDatabaseAsync();
        _users.MapUsers();
        _users.MapDefaultEndpoints();
        await _users.StartAsync(ct);
        Users = new(GrpcChannel.ForAddress(_users.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress));
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var app in new WebApplication?[] { _users, _payment })
            if (app is not null) { await app.StopAsync(CancellationToken.None); await app.DisposeAsync(); }
        await base.DisposeAsync();
    }
}
