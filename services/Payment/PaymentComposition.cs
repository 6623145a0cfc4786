using Mesh.Payment;
using Mesh.Payment.Idempotency;
using Mesh.Payment.Charges;
using Mesh.Payment.Provider;
using Mesh.Payment.Subscriptions;
using Mesh.Payment.Workers;
using OpenTelemetry.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>The payment service's parts, wired once for Program.cs and for the tests that host it in-process.</summary>
public static class PaymentComposition
{
    public static WebApplicationBuilder AddPayment(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(PaymentOptions.SectionName).Get<PaymentOptions>() ?? new PaymentOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);

        // Statements used again and again (every hold, checkout and charge) are prepared once per connection instead of
        // parsed and planned on every call, unless the connection string sets its own Max Auto Prepare. A connection
        // going back to the pool is not reset (seven statements each time otherwise): this service leaves no session
        // state behind: its locks are transaction-scoped (pg_advisory_xact_lock, also in migrations), no SET, LISTEN or temp tables.
        builder.AddNpgsqlDataSource(options.Database, configureDataSourceBuilder: data =>
        {
            var connection = data.ConnectionStringBuilder;
            if (connection.MaxAutoPrepare <= 0) connection.MaxAutoPrepare = 64;
            connection.AutoPrepareMinUsages = 2;
            connection.NoResetOnClose = true;
        });
        services.AddSingleton<PaymentStore>();

        // The provider boundary: the simulated provider until a real one is configured.
        services.TryAddSingleton<IPaymentProvider, SimulatedProvider>();
        // Fraud checks before a new charge: the analytics service when the mesh has one (services:analytics:grpc:N), asked
        // once with a tight deadline and failing open; else none.
        if (builder.Configuration["services:analytics:grpc:0"] is not null)
        {
            builder.AddServiceClient<Mesh.Analytics.V1.Analytics.AnalyticsClient>("analytics", client => client.MaxAttempts = 1);
            services.TryAddSingleton<Mesh.Payment.Charges.IRiskStep, Mesh.Payment.Charges.AnalyticsRiskStep>();
        }
        services.TryAddSingleton<Mesh.Payment.Charges.IRiskStep, Mesh.Payment.Charges.NoRiskChecks>();
        services.AddSingleton(new CardFingerprints(options));   // keyed card fingerprints, published in payment_method.saved
        services.AddSingleton<PaymentProcessor>();
        services.AddSingleton<IdempotentCalls>();
        services.AddSingleton<SubscriptionBilling>();
        services.AddSingleton<Mesh.Payment.Instalments.InstalmentBilling>();
        services.AddSingleton<Mesh.Payment.Ledger.Reconciliation>();
        services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(Mesh.Payment.Ledger.Reconciliation.MeterName)); // payment.reconciliation.mismatches
        services.AddSingleton<PaymentMaintenance>();
        services.AddHostedService(sp => sp.GetRequiredService<PaymentMaintenance>());
        services.AddHostedService<RefundTasks>();      // refunds other services request through RabbitMQ
        services.AddHostedService<ChargeTasks>();      // charges other services request through RabbitMQ (booking's checkout)
        services.AddHostedService<RecurringCharges>(); // renewals, instalments and dunning retries the maintenance round enqueued

        builder.AddTokenValidation();
        return builder;
    }

    /// <summary>Applies Migrations/*.sql and the outbox tables before the service takes calls.</summary>
    public static Task MigratePaymentDatabaseAsync(this WebApplication app) =>
        app.Services.GetRequiredService<PaymentStore>().MigrateAsync(app.Lifetime.ApplicationStopping);
}
