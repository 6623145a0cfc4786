using Mesh.Analytics;
using Mesh.Analytics.Aggregation;
using Mesh.Analytics.Ingestion;
using Mesh.Analytics.Risk;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>The analytics service's parts, wired once for Program.cs and for the tests that host it in-process.</summary>
public static class AnalyticsComposition
{
    public static WebApplicationBuilder AddAnalytics(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(AnalyticsOptions.SectionName).Get<AnalyticsOptions>() ?? new AnalyticsOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(options.Risk);
        services.TryAddSingleton(TimeProvider.System);

        // State: analyticsdb (offsets, processed ids, histories, funnels, risk cases); windows in the shared Redis under "analytics:".
        builder.AddNpgsqlDataSource(options.Database);
        builder.AddRedisClient(options.Redis);
        services.AddSingleton(sp => sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase().WithKeyPrefix(options.RedisKeyPrefix));

        // Ingestion (Ingestion/): validation per event, a rate limit per sender, the stream as the log.
        services.AddSingleton<EventValidation>();
        services.AddSingleton<IngestRateLimit>();
        services.AddSingleton<EventLog>();

        // Aggregations (Aggregation/): one consumer of the stream with its offset in analyticsdb, its claims kept as long
        // as the stream; trending in Redis.
        services.AddSingleton<AggregateStore>();
        services.AddSingleton<TrendingBoard>();
        services.AddHostedService<AggregatingConsumer>();
        services.AddSingleton<ClaimPruning>();
        services.AddHostedService(sp => sp.GetRequiredService<ClaimPruning>());

        // Fraud and bot rules (Risk/): windows in Redis, plain rules, cases in analyticsdb (written with group commit).
        services.AddSingleton<RiskSignals>();
        services.AddSingleton<RiskRules>();
        services.AddSingleton<RiskCaseStore>();
        services.AddSingleton<RiskCaseWriter>();

        builder.AddTokenValidation();
        return builder;
    }

    /// <summary>Migrations/*.sql in order, before the service takes calls.</summary>
    public static Task MigrateAnalyticsDatabaseAsync(this WebApplication app) =>
        app.Services.GetRequiredService<AggregateStore>().MigrateAsync(app.Lifetime.ApplicationStopping);

    public static WebApplication MapAnalytics(this WebApplication app)
    {
        app.MapGrpcService<AnalyticsApi>();
        return app;
    }
}
