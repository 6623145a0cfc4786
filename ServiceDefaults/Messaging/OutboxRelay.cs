using System.Diagnostics;
using Mesh.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RabbitMQ.Client;

namespace Mesh.ServiceDefaults.Messaging;

/// <summary>Where and how the relay publishes.</summary>
public sealed class OutboxRelayOptions
{
    /// <summary>AMQP URI of the broker (the value of ConnectionStrings:messaging).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Topic exchange every message goes to, with its type as the routing key.</summary>
    public string Exchange { get; set; } = MessagingNames.DefaultExchange;

    /// <summary>
    /// Task queues this service sends commands to (queue name → routing keys), declared durable and bound before the
    /// first publish. The relay publishes without "mandatory": a message no queue is bound for yet is dropped by the
    /// broker. Events may go unheard; a task (a refund, a charge) must not, so its sender declares the queue the way
    /// its consumer does (same name, durable, no arguments) and the task waits there until the consumer first starts.
    /// </summary>
    public Dictionary<string, string[]> Queues { get; set; } = [];

    public int BatchSize { get; set; } = 100;
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>After a failure (broker down) the relay waits this long, doubling up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Publishes unsent <c>mesh_outbox</c> rows with publisher confirms and marks them sent only after the broker
/// confirmed them. At-least-once: a crash between confirm and mark publishes again, so consumers dedupe by message id
/// (<see cref="InboxConsumer"/>). Several replicas may run: rows are claimed with FOR UPDATE SKIP LOCKED.
/// </summary>
public sealed class OutboxRelay(NpgsqlDataSource db, OutboxRelayOptions options, ILogger<OutboxRelay> logger) : BackgroundService, IAsyncDisposable
{
    private IConnection? _connection;
    private IChannel? _channel;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = options.InitialBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = await PublishPendingAsync(stoppingToken);
                backoff = options.InitialBackoff;
                if (sent < options.BatchSize) await Task.Delay(options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Broker or database unavailable: the rows stay unsent and are retried; nothing is lost.
                logger.LogWarning(ex, "Outbox relay failed; retrying in {Backoff}", backoff);
                await ResetAsync();
                try { await Task.Delay(backoff, stoppingToken); } catch (OperationCanceledException) { break; }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
            }
        }
        await ResetAsync();
    }

    /// <summary>Publishes one batch of unsent messages; returns how many were confirmed and marked sent.</summary>
    public async Task<int> PublishPendingAsync(CancellationToken cancellationToken)
    {
        var channel = await ChannelAsync(cancellationToken);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var batch = new List<(long Seq, Guid Id, string Type, string ContentType, byte[] Body, string? Parent, string? State)>();
        await using (var select = new NpgsqlCommand(
            "SELECT seq, id, type, content_type, body, traceparent, tracestate FROM mesh_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
            connection, transaction))
        {
            select.Parameters.Add(new() { Value = options.BatchSize });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                batch.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), (byte[])reader[4],
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        if (batch.Count == 0) return 0;

        // All of the batch in flight at once, then every confirm awaited: one publish-confirm round trip per batch
        // instead of one per message (one at a time capped a relay near 100 messages/s under load). When any is
        // refused or the broker goes away, none is marked sent and the whole batch is published again: consumers
        // dedupe by message id, as after any crash between confirm and mark.
        var confirms = new List<Task>(batch.Count);
        foreach (var message in batch)
        {
            var properties = new BasicProperties
            {
                MessageId = message.Id.ToString(),
                Type = message.Type,
                ContentType = message.ContentType,
                DeliveryMode = DeliveryModes.Persistent,
            };
            // Continue the trace of the request that wrote the row, not the relay's loop.
            using var parent = message.Parent is null ? null : MessagingNames.ActivitySource.StartActivity("outbox relay", ActivityKind.Internal,
                ActivityContext.TryParse(message.Parent, message.State, out var context) ? context : default);
            using (RabbitMqTracing.StartPublish(properties, options.Exchange, message.Type))
                // With confirmation tracking on, this completes once the broker confirmed, and throws when it refused.
                confirms.Add(channel.BasicPublishAsync(options.Exchange, message.Type, mandatory: false, properties, message.Body, cancellationToken).AsTask());
        }
        await Task.WhenAll(confirms);

        await using (var mark = new NpgsqlCommand("UPDATE mesh_outbox SET sent_at = now(), attempts = attempts + 1 WHERE seq = ANY($1)", connection, transaction))
        {
            mark.Parameters.Add(new() { Value = batch.Select(m => m.Seq).ToArray() });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return batch.Count;
    }

    private async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true }) return _channel;
        await ResetAsync();
        var factory = new ConnectionFactory { Uri = new Uri(options.ConnectionString), ClientProvidedName = "outbox-relay", RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
        _connection = await factory.CreateConnectionAsync(cancellationToken);
        _channel = await _connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        await _channel.ExchangeDeclareAsync(options.Exchange, ExchangeType.Topic, durable: true, cancellationToken: cancellationToken);
        await DeclareQueuesAsync(_connection, cancellationToken);
        return _channel;
    }

    /// <summary>
    /// Declares <see cref="OutboxRelayOptions.Queues"/> on a channel of their own: a queue its consumer has since
    /// declared differently (arguments, type) makes the broker close the declaring channel, and that must cost the
    /// safety net for that queue, not every message this service publishes.
    /// </summary>
    private async Task DeclareQueuesAsync(IConnection connection, CancellationToken cancellationToken)
    {
        foreach (var (queue, routingKeys) in options.Queues)
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            try
            {
                await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken);
                foreach (var routingKey in routingKeys)
                    await channel.QueueBindAsync(queue, options.Exchange, routingKey, cancellationToken: cancellationToken);
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
            {
                logger.LogError(ex, "Task queue {Queue} exists with other settings; not declared by the relay (its consumer's declaration wins)", queue);
            }
        }
    }

    private async Task ResetAsync()
    {
        try { if (_channel is not null) await _channel.DisposeAsync(); } catch (Exception) { /* already broken */ }
        try { if (_connection is not null) await _connection.DisposeAsync(); } catch (Exception) { /* already broken */ }
        _channel = null;
        _connection = null;
    }

    /// <summary>Closes the broker connection (a relay used directly, outside the host).</summary>
    public async ValueTask DisposeAsync()
    {
        await ResetAsync();
        Dispose();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await ResetAsync();
    }
}
