using Mesh.Booking;
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
        services.AddSingleton(_ => NpgsqlDataSource.Create(database));
        services.AddSingleton<BookingStore>();
        builder.AddPostgresHealthCheck(options.Database);

        // Prices and seat maps: the catalog over gRPC (services:catalog:grpc:N).
        builder.AddGrpcClient<Mesh.Catalog.V1.Catalog.CatalogClient>("catalog");
        services.AddSingleton<CatalogSeats>();
        services.AddHostedService<ExpiredClaimSweeper>();

        builder.AddTokenValidation();
        return builder;
    }

    public static Task MigrateBookingDatabaseAsync(this WebApplication app) =>
        app.Services.GetRequiredService<BookingStore>().MigrateAsync(app.Lifetime.ApplicationStopping);

    public static WebApplication MapBooking(this WebApplication app)
    {
        app.MapGrpcService<BookingApi>();
        return app;
    }
}
