using Mesh.Booking;
using Mesh.Booking.Bookings;
using Mesh.ServiceDefaults.Messaging;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>Booking's parts, wired once for Program.cs and for the tests that host it in-process.</summary>
public static class BookingComposition
{
    public static WebApplicationBuilder AddBooking(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(BookingOptions.SectionName).Get<BookingOptions>() ?? new BookingOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);

        var database = builder.Configuration.GetConnectionString(options.Database)
            ?? throw new InvalidOperationException($"ConnectionStrings:{options.Database} is not set.");
        // Statements used again and again (every hold, checkout and charge) are prepared once per connection instead of
        // parsed and planned on every call, unless the connection string sets its own Max Auto Prepare. A connection
        // going back to the pool is not reset (seven statements each time otherwise): this service leaves no session
        // state behind: its locks are transaction-scoped (pg_advisory_xact_lock, also in migrations), no SET, LISTEN or temp tables.
        services.AddSingleton(_ => NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(database)
        {
            MaxAutoPrepare = new NpgsqlConnectionStringBuilder(database).MaxAutoPrepare is > 0 and var configured ? configured : 64,
            AutoPrepareMinUsages = 2,
            NoResetOnClose = true,
        }));
        services.AddSingleton<BookingStore>();
        builder.AddPostgresHealthCheck(options.Database);

        // Prices and seat maps: the catalog over gRPC (services:catalog:grpc:N).
        builder.AddGrpcClient<Mesh.Catalog.V1.Catalog.CatalogClient>("catalog");
        services.AddSingleton<CatalogSeats>();
        services.AddSingleton<CatalogSlots>();
        services.AddSingleton<HoldChanges>();   // wakes WatchHold streams on release
        services.AddHostedService<ExpiredClaimSweeper>();

        // Checkout saga, bookings, cancellation, tickets (Bookings/): payment over gRPC (services:payment:grpc:N),
        // recovery of pending checkouts, payment's events (when ConnectionStrings:messaging is set).
        builder.AddGrpcClient<Mesh.Payment.V1.Payments.PaymentsClient>("payment");
        services.AddSingleton<BookingsStore>();
        services.TryAddSingleton<IDiscountStep, NoDiscounts>();
        services.AddSingleton<PaymentCharges>();
        services.AddSingleton<TicketCodes>();
        services.AddSingleton<CheckoutSaga>();
        services.AddSingleton<BookingsEndpoint>();
        services.AddSingleton<PendingBookingRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<PendingBookingRecovery>());
        services.AddHostedService<PaymentEventsConsumer>();

        builder.AddTokenValidation();
        return builder;
    }

    /// <summary>The outbox/inbox tables (ServiceDefaults/Messaging), then Migrations/*.sql in order.</summary>
    public static async Task MigrateBookingDatabaseAsync(this WebApplication app)
    {
        await Outbox.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Lifetime.ApplicationStopping);
        await app.Services.GetRequiredService<BookingStore>().MigrateAsync(app.Lifetime.ApplicationStopping);
    }

    public static WebApplication MapBooking(this WebApplication app)
    {
        app.MapGrpcService<BookingApi>();
        return app;
    }
}
