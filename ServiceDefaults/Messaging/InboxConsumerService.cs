using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mesh.ServiceDefaults.Messaging;

/// <summary>
/// The hosted shape of every queue consumer a service runs (tasks it executes, events it reacts to), handled exactly
/// once through the inbox in the service's own database. It does nothing without the messaging connection string
/// (a service run alone, or a test without a broker). The broker may come up after the service or be restarting:
/// starting is retried with back-off, because a background service that throws would stop the whole host. The
/// consumer is disposed when the host stops.
/// </summary>
public abstract class InboxConsumerService(NpgsqlDataSource db, IConfiguration configuration, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);
    private InboxConsumer? _consumer;

    /// <summary>ConnectionStrings:{name} of the broker.</summary>
    protected virtual string ConnectionName => "messaging";

    /// <summary>The queue, its bindings (message types) and back-off; <see cref="InboxConsumerOptions.ConnectionString"/> is filled in.</summary>
    protected abstract InboxConsumerOptions Options { get; }

    /// <summary>Handles one message inside the inbox transaction; throwing retries it with back-off (then the DLQ).</summary>
    protected abstract Task HandleAsync(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration.GetConnectionString(ConnectionName) is not { Length: > 0 } broker) return;
        var options = Options;
        options.ConnectionString = broker;
        for (var delay = FirstRetry; !stoppingToken.IsCancellationRequested; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LastRetry.Ticks)))
        {
            var consumer = new InboxConsumer(db, options, logger);
            try
            {
                await consumer.StartAsync(HandleAsync, stoppingToken);
                _consumer = consumer;
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                await consumer.DisposeAsync();
                logger.LogWarning(ex, "Consumer of {Queue} could not start; retrying in {Delay}", options.Queue, delay);
                try { await Task.Delay(delay, stoppingToken); } catch (OperationCanceledException) { return; }
            }
            catch (OperationCanceledException)
            {
                await consumer.DisposeAsync();
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_consumer is not null) await _consumer.DisposeAsync();
    }
}
