using Mesh.Notification;
using Mesh.Notification.Broadcasts;
using Mesh.Notification.Delivery;
using Mesh.Notification.Inbox;
using Mesh.Notification.Live;
using Mesh.Notification.Preferences;
using Mesh.Notification.Reminders;
using Mesh.Notification.Workers;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>The notification service's parts, wired once for Program.cs and for the tests that host it in-process.</summary>
public static class NotificationComposition
{
    public static WebApplicationBuilder AddNotification(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(NotificationOptions.SectionName).Get<NotificationOptions>() ?? new NotificationOptions();
        var services = builder.Services;
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);

        // Inbox, deliveries, preferences, reminders, broadcasts: notificationdb (PostgreSQL).
        builder.AddNpgsqlDataSource(options.Database);
        services.AddSingleton<InboxStore>();
        services.AddSingleton<PreferenceStore>();
        services.AddSingleton<ReminderStore>();
        services.AddSingleton<BroadcastStore>();
        services.AddSingleton<DeadLetterStore>();

        // Email and SMS: the provider boundary; the sandbox provider records instead of sending.
        services.AddSingleton<SandboxProvider>();
        services.AddSingleton<IMessageProvider>(sp => sp.GetRequiredService<SandboxProvider>());
        services.AddSingleton<DeliveryRound>();

        // Live push: LISTEN/NOTIFY wakes the streams of every replica.
        services.AddSingleton<InboxFanout>();
        services.AddHostedService(sp => sp.GetRequiredService<InboxFanout>());

        // Two queues on mesh.events, two consumers with their own connections: single-user events, broadcast batches.
        services.AddSingleton<EventConsumer>();
        services.AddHostedService(sp => sp.GetRequiredService<EventConsumer>());
        services.AddSingleton<BroadcastBatchConsumer>();
        services.AddHostedService(sp => sp.GetRequiredService<BroadcastBatchConsumer>());
        services.AddHostedService<NotificationRounds>();

        builder.AddTokenValidation();
        return builder;
    }

    /// <summary>Migrations/*.sql in order and the outbox tables, before the service takes calls.</summary>
    public static Task MigrateNotificationDatabaseAsync(this WebApplication app) =>
        app.Services.GetRequiredService<InboxStore>().MigrateAsync(app.Lifetime.ApplicationStopping);

    public static WebApplication MapNotification(this WebApplication app)
    {
        app.MapGrpcService<NotificationApi>();
        return app;
    }
}
