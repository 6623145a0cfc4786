using Mesh.ServiceDefaults.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>One line to run the outbox relay of a service: <c>builder.AddOutboxRelay("messaging")</c>.</summary>
public static class MessagingExtensions
{
    /// <summary>
    /// Runs <see cref="OutboxRelay"/> against the service's registered <see cref="NpgsqlDataSource"/> and the broker
    /// in ConnectionStrings:{connectionName}; settings in <c>Mesh:Outbox</c> (Exchange, BatchSize, PollInterval, …).
    /// </summary>
    /// <param name="configure">In code, after configuration: e.g. the task queues the service sends to (<see cref="OutboxRelayOptions.Queues"/>).</param>
    public static IHostApplicationBuilder AddOutboxRelay(this IHostApplicationBuilder builder, string connectionName, Action<OutboxRelayOptions>? configure = null)
    {
        var options = builder.Configuration.GetSection("Mesh:Outbox").Get<OutboxRelayOptions>() ?? new OutboxRelayOptions();
        configure?.Invoke(options);
        options.ConnectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not set.");
        builder.Services.AddSingleton(options);
        builder.Services.AddHostedService(sp => new OutboxRelay(sp.GetRequiredService<NpgsqlDataSource>(), options, sp.GetRequiredService<ILogger<OutboxRelay>>()));
        builder.AddMessagingClient(connectionName);
        return builder;
    }

    /// <summary>
    /// Aspire.RabbitMQ.Client for ConnectionStrings:{connectionName}: the broker's health check (readiness) and
    /// RabbitMQ.Client's traces. Safe to call more than once. The relay and each consumer keep a connection of their
    /// own (docs/decisions/0005): a publisher the broker throttles must not stall consumers, and the relay replaces
    /// its connection when a publish fails.
    /// </summary>
    public static IHostApplicationBuilder AddMessagingClient(this IHostApplicationBuilder builder, string connectionName)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(RabbitMQ.Client.IConnection))) return builder;
        builder.AddRabbitMQClient(connectionName);
        return builder;
    }
}
