using Mesh.Support;
using Mesh.Support.Chat;
using Mesh.Support.Sla;
using Mesh.Support.Tickets;
using Mesh.Support.Workers;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>The support service's parts, wired once for Program.cs and for the tests that host it in-process.</summary>
public static class SupportComposition
{
    public static WebApplicationBuilder AddSupport(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(SupportOptions.SectionName).Get<SupportOptions>() ?? new SupportOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);

        builder.AddNpgsqlDataSource(options.Database);
        services.AddSingleton<TicketStore>();
        services.AddSingleton<SlaPolicy>();
        services.AddSingleton<AgentRegistry>();
        services.AddSingleton<Conversation>();

        // Chat across replicas: LISTEN/NOTIFY wakes the streams, the database holds the messages.
        services.AddSingleton<ChatFanout>();
        services.AddHostedService(sp => sp.GetRequiredService<ChatFanout>());

        // The back office reads and refunds through the services that own bookings and payments, as the agent.
        builder.AddServiceClient<Mesh.Booking.V1.Booking.BookingClient>("booking");
        builder.AddServiceClient<Mesh.Payment.V1.Payments.PaymentsClient>("payment");
        services.AddSingleton<Mesh.Support.BackOffice.CustomerAccounts>();

        services.AddSingleton<SlaBreaches>();
        services.AddHostedService<SlaWatch>();

        builder.AddTokenValidation();
        return builder;
    }

    /// <summary>Applies Migrations/*.sql and the outbox tables before the service takes calls.</summary>
    public static Task MigrateSupportDatabaseAsync(this WebApplication app) =>
        app.Services.GetRequiredService<TicketStore>().MigrateAsync(app.Lifetime.ApplicationStopping);
}
