using Mesh.Feed;
using Mesh.Feed.Bookings;
using Mesh.Feed.Caching;
using Mesh.Feed.Sections;
using Mesh.Feed.Suggestions;
using Mesh.Feed.Workers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>The feed service's parts, wired once for Program.cs and for the tests that host it in-process.</summary>
public static class FeedComposition
{
    public static WebApplicationBuilder AddFeed(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(FeedOptions.SectionName).Get<FeedOptions>() ?? new FeedOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);

        // Bookings seen on mesh.events (feeddb), consumed through the inbox; computed feeds in the shared Redis under "feed:".
        builder.AddNpgsqlDataSource(options.Database);
        services.AddSingleton<BookedStore>();
        builder.AddRedisClient(options.Redis);
        services.AddSingleton(sp => new FeedCache(
            sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase().WithKeyPrefix(options.RedisKeyPrefix), options,
            sp.GetRequiredService<ILogger<FeedCache>>()));
        services.AddHostedService<BookingEventsConsumer>();   // booking.confirmed / booking.cancelled

        // The upstreams, each section asked with its own deadline (Feed:UpstreamDeadline): analytics (trending, views),
        // catalog (listings, seats), rating (top rated), booking (upcoming, with the caller's token), ads (the page's ads).
        builder.AddServiceClient<Mesh.Analytics.V1.Analytics.AnalyticsClient>("analytics");
        builder.AddServiceClient<Mesh.Catalog.V1.Catalog.CatalogClient>("catalog");
        builder.AddServiceClient<Mesh.Rating.V1.Rating.RatingClient>("rating");
        builder.AddServiceClient<Mesh.Booking.V1.Booking.BookingClient>("booking");
        builder.AddServiceClient<Mesh.Ads.V1.Ads.AdsClient>("ads");
        services.AddSingleton<Upstream>();
        services.AddSingleton<CitySections>();
        services.AddSingleton<Suggester>();
        services.AddSingleton<FeedBuilder>();

        builder.AddTokenValidation();
        return builder;
    }

    /// <summary>Migrations/*.sql in order, then the inbox tables, before the service takes calls.</summary>
    public static Task MigrateFeedDatabaseAsync(this WebApplication app) =>
        app.Services.GetRequiredService<BookedStore>().MigrateAsync(app.Lifetime.ApplicationStopping);

    public static WebApplication MapFeed(this WebApplication app)
    {
        app.MapGrpcService<FeedApi>();
        return app;
    }
}
