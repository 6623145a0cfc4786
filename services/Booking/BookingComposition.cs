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
        services.AddSingleton<BookingStore>();

        // Prices and seat maps: the catalog over gRPC (services:catalog:grpc:N).
        builder.AddServiceClient<Mesh.Catalog.V1.Catalog.CatalogClient>("catalog");
        services.AddSingleton<CatalogSeats>();
        services.AddSingleton<CatalogSlots>();
        services.AddSingleton<HoldChanges>();   // wakes WatchHold streams on release
        services.AddHostedService<ExpiredClaimSweeper>();

        // Checkout saga, bookings, cancellation, tickets (Bookings/): payment over gRPC (services:payment:grpc:N),
        // recovery of pending checkouts, payment's events (when ConnectionStrings:messaging is set).
        // Not bound to the checkout call's deadline: a charge must be allowed to finish even if the checkout's caller
        // goes away (an abandoned charge is resolved later anyway, but finishing it now is cheaper than recovery).
        builder.AddServiceClient<Mesh.Payment.V1.Payments.PaymentsClient>("payment", propagateCallContext: false);
        services.AddSingleton<BookingsStore>();
        // Coupons: through the referral service when the mesh has one (services:referral:grpc:N), else none accepted.
        if (builder.Configuration["services:referral:grpc:0"] is not null)
        {
            builder.AddServiceClient<Mesh.Referral.V1.Referrals.ReferralsClient>("referral");
            services.TryAddSingleton<IDiscountStep, ReferralDiscounts>();
        }
        services.TryAddSingleton<IDiscountStep, NoDiscounts>();
        // Fraud and bot checks before holds and checkouts: the analytics service when the mesh has one
        // (services:analytics:grpc:N), asked once with a tight deadline and failing open; else none.
        if (builder.Configuration["services:analytics:grpc:0"] is not null)
        {
            builder.AddServiceClient<Mesh.Analytics.V1.Analytics.AnalyticsClient>("analytics", client => client.MaxAttempts = 1);
            services.TryAddSingleton<Mesh.Booking.Risk.IRiskStep, Mesh.Booking.Risk.AnalyticsRiskStep>();
        }
        services.TryAddSingleton<Mesh.Booking.Risk.IRiskStep, Mesh.Booking.Risk.NoRiskChecks>();
        services.AddSingleton<PaymentCharges>();
        services.AddSingleton<TicketCodes>();
        services.AddSingleton<CheckoutSaga>();
        services.AddSingleton<BookingsEndpoint>();
        services.AddSingleton<AttendedItems>();   // verified purchases, asked by the rating service
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
