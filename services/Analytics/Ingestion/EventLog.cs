using Google.Protobuf;
using Mesh.Analytics.Stream;
using Mesh.Analytics.V1;
using RabbitMQ.Client;

namespace Mesh.Analytics.Ingestion;

/// <summary>
/// Appends accepted events to the stream: one message per batch (a protobuf IngestEventsRequest), published with a
/// publisher confirm, so an answer of "accepted" means the broker has the batch on disk. Broker unreachable:
/// UNAVAILABLE and nothing accepted (the client sends the batch again; event ids make that safe).
/// </summary>
public sealed class EventLog(IConfiguration configuration, AnalyticsOptions options, ILogger<EventLog> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connect = new(1, 1);
    private IConnection? _connection;
    private IChannel? _channel;

    public async Task AppendAsync(IReadOnlyCollection<AnalyticsEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0) return;
        var batch = new IngestEventsRequest();
        batch.Events.AddRange(events);
        var properties = new BasicProperties
        {
            MessageId = Guid.CreateVersion7().ToString(), Type = EventStream.BatchType, ContentType = "application/x-protobuf",
            DeliveryMode = DeliveryModes.Persistent,
        };
        IChannel? channelUsed = null;
        try
        {
            var channel = channelUsed = await ChannelAsync(cancellationToken);
            // With confirmation tracking on, this completes once the broker confirmed, and throws when it refused.
            await channel.BasicPublishAsync("", options.Stream, mandatory: false, properties, batch.ToByteArray(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Appending {Count} events to the stream failed", events.Count);
            await ResetUnlessReplacedAsync(channelUsed);
            throw new RpcException(new Status(StatusCode.Unavailable, "The event log cannot be reached now; nothing was kept, send the batch again."));
        }
    }

    private async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open) return open;
        await _connect.WaitAsync(cancellationToken);
        try
        {
            if (_channel is { IsOpen: true } again) return again;
            await ResetAsync();
            var uri = configuration.GetConnectionString(options.Messaging)
                ?? throw new InvalidOperationException($"ConnectionStrings:{options.Messaging} (the broker) is not set.");
            var factory = new ConnectionFactory { Uri = new Uri(uri), ClientProvidedName = "analytics-ingest", RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
            _connection = await factory.CreateConnectionAsync(cancellationToken);
            var channel = await _connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
            await EventStream.DeclareAsync(channel, options, cancellationToken);
            _channel = channel;
            return channel;
        }
        finally { _connect.Release(); }
    }

    /// <summary>Drops the broken channel, unless another call has already replaced it with a working one.</summary>
    private async Task ResetUnlessReplacedAsync(IChannel? broken)
    {
        await _connect.WaitAsync();
        try { if (broken is null || ReferenceEquals(_channel, broken)) await ResetAsync(); }
        finally { _connect.Release(); }
    }

    private async Task ResetAsync()
    {
        try { if (_channel is not null) await _channel.DisposeAsync(); } catch (Exception) { /* already broken */ }
        try { if (_connection is not null) await _connection.DisposeAsync(); } catch (Exception) { /* already broken */ }
        _channel = null;
        _connection = null;
    }

    public async ValueTask DisposeAsync() => await ResetAsync();
}
