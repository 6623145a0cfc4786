using Mesh.Catalog;
using Mesh.Catalog.Cache;
using Mesh.Catalog.Changes;
using Mesh.Catalog.Ratings;
using Mesh.Catalog.DemoData;
using Mesh.Catalog.Seats;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>The catalog's parts, wired once for Program.cs and for the tests that host it in-process.</summary>
public static class CatalogComposition
{
    public static WebApplicationBuilder AddCatalog(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(CatalogOptions.SectionName).Get<CatalogOptions>() ?? new CatalogOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);

        // Data: catalogdb (PostgreSQL) for the truth, the shared Redis (under this service's prefix) for hot reads.
        // The Aspire client integrations register each connection with its health check and telemetry.
        builder.AddNpgsqlDataSource(options.Database);
        services.AddSingleton<CatalogStore>();
        builder.AddRedisClient(options.Redis);
        services.AddSingleton(sp => sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase().WithKeyPrefix(options.RedisKeyPrefix));
        services.AddSingleton<CacheMetrics>();
        services.AddSingleton<CatalogCache>();

        // Change events: every write adds catalog.*_changed to the outbox (same transaction); the relay publishes it
        // and the catalog's own consumer clears the cache entries it names. Without a broker the cache is cleared
        // after commit only (logged at start-up).
        var messaging = builder.Configuration.GetConnectionString(options.Messaging);
        services.AddSingleton(new ChangeOutbox(enabled: !string.IsNullOrEmpty(messaging)));
        if (!string.IsNullOrEmpty(messaging))
        {
            // The consumers' queues are declared by the relay too: events written before a consumer first listens are kept
            // (rating's relay declares the summaries' queue as well, for changes made before the catalog ever started).
            builder.AddOutboxRelay(options.Messaging, relay => relay.Queues = new()
            {
                [CacheInvalidationConsumer.Queue] = CatalogChanged.Types,
                [RatingSummaries.Queue] = [RatingSummaries.Type],
            });
            services.AddHostedService<CacheInvalidationConsumer>();
            services.AddHostedService<RatingSummaryConsumer>();   // the rating service's rating.changed → the summaries on items
        }
        services.AddSingleton<RatingSummaries>();

        // Seat status and slot usage are the booking service's to know (Seats/); a catalog run alone shows everything free.
        services.TryAddSingleton<ISeatAvailability, AllSeatsAvailable>();
        builder.AddSeatStatusFromBooking();   // from booking over gRPC when services:booking is configured (Seats/)
        services.AddSingleton<DemoDataGenerator>();

        builder.AddTokenValidation();
        return builder;
    }

    /// <summary>Applies Migrations/*.sql, then loads demo data when it is switched on and the catalog is empty.</summary>
    public static async Task MigrateCatalogDatabaseAsync(this WebApplication app)
    {
        var cancellation = app.Lifetime.ApplicationStopping;
        await app.Services.GetRequiredService<CatalogStore>().MigrateAsync(cancellation);
        await Mesh.ServiceDefaults.Messaging.Outbox.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), cancellation);
        if (!app.Services.GetRequiredService<ChangeOutbox>().Enabled)
            app.Logger.LogWarning("ConnectionStrings:{Name} is not set: catalog cache invalidation runs after commit only, without change events.",
                app.Services.GetRequiredService<CatalogOptions>().Messaging);
        if (app.Services.GetRequiredService<CatalogOptions>().SeedDemoData)
            await app.Services.GetRequiredService<DemoDataGenerator>().SeedIfEmptyAsync(cancellation);
    }

    public static WebApplication MapCatalog(this WebApplication app)
    {
        app.MapGrpcService<CatalogApi>();
        return app;
    }
}
