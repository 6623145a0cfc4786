using Mesh.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Logging;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Mesh.ServiceDefaults.Messaging;

/// <summary>What one consumer reads and how it retries.</summary>
public sealed class InboxConsumerOptions
{
    /// <summary>AMQP URI of the broker.</summary>
    public string ConnectionString { get; set; } = "";
    public string Exchange { get; set; } = MessagingNames.DefaultExchange;

    /// <summary>The consumer's durable queue; also its name in <c>mesh_inbox</c>. Retry and dead-letter queues are "{Queue}.retry" and "{Queue}.dlq".</summary>
    public string Queue { get; set; } = "";

    /// <summary>Routing keys bound to the queue (message types, topic patterns allowed: "payment.*").</summary>
    public IList<string> Bindings { get; set; } = [];

    /// <summary>Deliveries in all before a message goes to the dead-letter queue.</summary>
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);
    public ushort Prefetch { get; set; } = 16;
}

/// <summary>
/// Handles a message inside the consumer's own database transaction, after recording its id in <c>mesh_inbox</c>
/// (same transaction), and acks only after commit — so a message is handled exactly once even when delivered twice.
/// A handler that throws is retried through "{Queue}.retry" (per-message TTL, doubling back-off) and after
/// <see cref="InboxConsumerOptions.MaxAttempts"/> lands in "{Queue}.dlq", where <see cref="ReplayDeadLettersAsync"/>
/// can put it back.
/// <code>
/// var consumer = new InboxConsumer(db, options, logger);
/// await consumer.StartAsync(async (message, tx, ct) => { …same transaction as the inbox row… }, ct);
/// </code>
/// </summary>
public sealed class InboxConsumer(NpgsqlDataSource db, InboxConsumerOptions options, ILogger logger) : IAsyncDisposable
{
    public delegate Task Handler(InboxMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    private IConnection? _connection;
    private IChannel? _consume;
    private IChannel? _publish;

    public string RetryQueue => $"{options.Queue}.retry";
    public string DeadLetterQueue => $"{options.Queue}.dlq";

    public async Task StartAsync(Handler handler, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(options.Queue)) throw new InvalidOperationException("InboxConsumerOptions.Queue is required.");
        var factory = new ConnectionFactory { Uri = new Uri(options.ConnectionString), ClientProvidedName = $"consumer:{options.Queue}", AutomaticRecoveryEnabled = true };
        _connection = await factory.CreateConnectionAsync(cancellationToken);
        _publish = await _connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        _consume = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);

        await _consume.ExchangeDeclareAsync(options.Exchange, ExchangeType.Topic, durable: true, cancellationToken: cancellationToken);
        await _consume.QueueDeclareAsync(options.Queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken);
        foreach (var key in options.Bindings)
            await _consume.QueueBindAsync(options.Queue, options.Exchange, key, cancellationToken: cancellationToken);
        // Expired retries go back to the main queue through the default exchange.
        await _consume.QueueDeclareAsync(RetryQueue, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-dead-letter-exchange"] = "", ["x-dead-letter-routing-key"] = options.Queue }, cancellationToken: cancellationToken);
        await _consume.QueueDeclareAsync(DeadLetterQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken);
        await _consume.BasicQosAsync(0, options.Prefetch, global: false, cancellationToken);

        var consumer = new AsyncEventingBasicConsumer(_consume);
        consumer.ReceivedAsync += (_, delivery) => HandleAsync(delivery, handler, cancellationToken);
        await _consume.BasicConsumeAsync(options.Queue, autoAck: false, consumer, cancellationToken);
    }

    private async Task HandleAsync(BasicDeliverEventArgs delivery, Handler handler, CancellationToken cancellationToken)
    {
        using var activity = RabbitMqTracing.StartConsume(delivery, options.Queue);
        var attempt = AttemptOf(delivery.BasicProperties);
        try
        {
            if (!Guid.TryParse(delivery.BasicProperties.MessageId, out var id))
                throw new InvalidDataException("The message has no message id (a uuid); it cannot be deduplicated.");
            var message = new InboxMessage(id, delivery.BasicProperties.Type ?? delivery.RoutingKey, delivery.Body.ToArray(), attempt);
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var remember = new NpgsqlCommand("INSERT INTO mesh_inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", connection, transaction);
            remember.Parameters.Add(new() { Value = options.Queue });
            remember.Parameters.Add(new() { Value = id });
            // Blocks while another delivery of the same id is being handled; then sees it done.
            if (await remember.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                await handler(message, transaction, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            await RetryOrDeadLetterAsync(delivery, attempt, ex, cancellationToken);
        }
        await _consume!.BasicAckAsync(delivery.DeliveryTag, multiple: false, cancellationToken);
    }

    private async Task RetryOrDeadLetterAsync(BasicDeliverEventArgs delivery, int attempt, Exception error, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties(delivery.BasicProperties)
        {
            Headers = new Dictionary<string, object?>(delivery.BasicProperties.Headers ?? new Dictionary<string, object?>()),
        };
        properties.Headers[MessagingNames.AttemptHeader] = attempt + 1;
        properties.Headers[MessagingNames.ErrorHeader] = error.Message.Length > 500 ? error.Message[..500] : error.Message;
        if (attempt >= options.MaxAttempts)
        {
            logger.LogError(error, "Message {MessageId} failed {Attempts} times; dead-lettered to {Queue}", delivery.BasicProperties.MessageId, attempt, DeadLetterQueue);
            properties.Expiration = null;
            await _publish!.BasicPublishAsync("", DeadLetterQueue, mandatory: false, properties, delivery.Body, cancellationToken);
            return;
        }
        var backoff = TimeSpan.FromTicks(Math.Min(options.InitialBackoff.Ticks << Math.Min(attempt - 1, 20), options.MaxBackoff.Ticks));
        logger.LogWarning(error, "Message {MessageId} failed (attempt {Attempt}); retrying in {Backoff}", delivery.BasicProperties.MessageId, attempt, backoff);
        properties.Expiration = ((long)backoff.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await _publish!.BasicPublishAsync("", RetryQueue, mandatory: false, properties, delivery.Body, cancellationToken);
    }

    /// <summary>Moves every message of the dead-letter queue back to the main queue with a fresh attempt count.</summary>
    public async Task<int> ReplayDeadLettersAsync(CancellationToken cancellationToken)
    {
        var moved = 0;
        while (await _consume!.BasicGetAsync(DeadLetterQueue, autoAck: false, cancellationToken) is { } result)
        {
            var properties = new BasicProperties(result.BasicProperties)
            {
                Headers = new Dictionary<string, object?>(result.BasicProperties.Headers ?? new Dictionary<string, object?>()),
            };
            properties.Headers[MessagingNames.AttemptHeader] = 1;
            await _publish!.BasicPublishAsync("", options.Queue, mandatory: false, properties, result.Body, cancellationToken);
            await _consume.BasicAckAsync(result.DeliveryTag, multiple: false, cancellationToken);
            moved++;
        }
        return moved;
    }

    private static int AttemptOf(IReadOnlyBasicProperties properties) =>
        properties.Headers is { } headers && headers.TryGetValue(MessagingNames.AttemptHeader, out var value)
            ? value switch { int i => i, long l => (int)l, byte[] b when int.TryParse(System.Text.Encoding.UTF8.GetString(b), out var p) => p, _ => 1 }
            : 1;

    public async ValueTask DisposeAsync()
    {
        try { if (_consume is not null) await _consume.DisposeAsync(); } catch (Exception) { /* closing anyway */ }
        try { if (_publish is not null) await _publish.DisposeAsync(); } catch (Exception) { /* closing anyway */ }
        try { if (_connection is not null) await _connection.DisposeAsync(); } catch (Exception) { /* closing anyway */ }
    }
}
