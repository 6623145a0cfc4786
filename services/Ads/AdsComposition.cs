using Mesh.Ads;
using Mesh.Ads.Campaigns;
using Mesh.Ads.Serving;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>The ads service's parts, wired once for Program.cs and for the tests that host it in-process.</summary>
public static class AdsComposition
{
    public static WebApplicationBuilder AddAds(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(AdsOptions.SectionName).Get<AdsOptions>() ?? new AdsOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);

        // Campaigns, days (budget and spend), impressions, clicks, frequency counts: adsdb (PostgreSQL).
        builder.AddNpgsqlDataSource(options.Database);
        services.AddSingleton<CampaignStore>();
        services.AddSingleton<ServingStore>();
        services.AddSingleton<AdSelector>();

        builder.AddTokenValidation();
        return builder;
    }

    /// <summary>Migrations/*.sql in order, then the outbox tables, before the service takes calls.</summary>
    public static Task MigrateAdsDatabaseAsync(this WebApplication app) =>
        app.Services.GetRequiredService<CampaignStore>().MigrateAsync(app.Lifetime.ApplicationStopping);

    public static WebApplication MapAds(this WebApplication app)
    {
        app.MapGrpcService<AdsApi>();
        return app;
    }
}
