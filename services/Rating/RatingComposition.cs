using Mesh.Rating;
using Mesh.Rating.Aggregates;
using Mesh.Rating.Purchases;
using Mesh.Rating.Reviews;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>The rating service's parts, wired once for Program.cs and for the tests that host it in-process.</summary>
public static class RatingComposition
{
    public static WebApplicationBuilder AddRating(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(RatingOptions.SectionName).Get<RatingOptions>() ?? new RatingOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);

        // Reviews and aggregates: ratingdb (PostgreSQL, one store); aggregates cached in the shared Redis under "rating:".
        builder.AddNpgsqlDataSource(options.Database);
        services.AddSingleton<ReviewStore>();
        builder.AddRedisClient(options.Redis);
        services.AddSingleton(sp => new RatingCache(
            sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase().WithKeyPrefix(options.RedisKeyPrefix), options));

        // Verified purchases: booking over gRPC (services:booking:grpc:N) with the customer's own token; the catalog
        // (services:catalog:grpc:N) for the item's existence, its city, and the event or venue of a booked show.
        builder.AddServiceClient<Mesh.Booking.V1.Booking.BookingClient>("booking");
        builder.AddServiceClient<Mesh.Catalog.V1.Catalog.CatalogClient>("catalog");
        services.AddSingleton<CatalogItems>();
        services.AddSingleton<PurchaseVerification>();

        builder.AddTokenValidation();
        return builder;
    }

    /// <summary>Migrations/*.sql in order, before the service takes calls.</summary>
    public static Task MigrateRatingDatabaseAsync(this WebApplication app) =>
        app.Services.GetRequiredService<ReviewStore>().MigrateAsync(app.Lifetime.ApplicationStopping);

    public static WebApplication MapRating(this WebApplication app)
    {
        app.MapGrpcService<RatingApi>();
        return app;
    }
}
