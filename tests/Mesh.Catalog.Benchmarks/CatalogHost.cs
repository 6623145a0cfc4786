using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Catalog.Benchmarks;

/// <summary>The catalog on a free loopback port over its own database (demo data on) and Redis prefix, as in the tests.</summary>
public static class CatalogHost
{
    public static async Task<WebApplication> StartAsync(IsolatedData data)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(CatalogApi).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = "0",
            [ServiceEndpoints.HttpPortKey] = "0",
            [HostingExtensions.DrainTimeoutKey] = "00:00:01",
            ["ConnectionStrings:catalogdb"] = await data.PostgresConnectionStringAsync(),
            ["ConnectionStrings:cache"] = await data.RedisConnectionStringAsync(),
            ["Catalog:RedisKeyPrefix"] = data.RedisKeyPrefix,
            ["Catalog:SeedDemoData"] = "true",
            // Entries outlive the run: a cold read stays a miss only because its key was never read before.
            ["Catalog:CacheTtl"] = "01:00:00",
            ["Catalog:SearchCacheTtl"] = "01:00:00",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        builder.AddCatalog();
        var app = builder.Build();
        await app.MigrateCatalogDatabaseAsync();
        app.MapCatalog();
        await app.StartAsync();
        return app;
    }

    public static Uri GrpcAddress(WebApplication app) => app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;
}
