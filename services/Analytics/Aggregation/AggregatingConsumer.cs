using System.Threading.Channels;
using Mesh.Analytics.Risk;
using Mesh.Analytics.Stream;
using Mesh.Analytics.V1;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Mesh.Analytics.Aggregation;

/// <summary>
/// Reads the stream from the offset stored in analyticsdb and moves the aggregates batch by batch: in ONE PostgreSQL
/// transaction the batch's event ids are claimed (an id counted before is skipped), histories, funnels and item cities
/// change, the Redis windows (trending, idempotent per stream message; risk signals, per event id) are written, and the
/// next offset is stored; the deliveries are acked after the commit. A crash anywhere replays from the stored offset and counts
/// nothing twice. The broker going away (restart) ends the connection: the consumer reconnects with back-off and
/// resumes from the stored offset. Runs only when the broker's connection string is set (docs/decisions/0014).
/// </summary>
public sealed class AggregatingConsumer(AggregateStore store, TrendingBoard trending, RiskSignals risk, AnalyticsOptions options,
    IConfiguration configuration, TimeProvider time, ILogger<AggregatingConsumer> logger) : BackgroundService
{
    /// <summary>The consumer's name in stream_offsets.</summary>
    public const string Name = "aggregates";

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(15);

    private sealed record Delivery(long Offset, string? MessageId, string Type, byte[] Body, ulong Tag);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration.GetConnectionString(options.Messaging) is not { Length: > 0 } broker) return;
        var delay = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ConsumeAsync(broker, () => delay = FirstRetry, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "The stream consumer stopped; resuming from the stored offset in {Delay}", delay);
            }
            try { await Task.Delay(delay, stoppingToken); } catch (OperationCanceledException) { return; }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LastRetry.Ticks));
        }
    }

    private async Task ConsumeAsync(string broker, Action connected, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = new Uri(broker), ClientProvidedName = "analytics-aggregates", AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await EventStream.DeclareAsync(channel, options, cancellationToken);
        // A stream consumer must have a prefetch; it bounds what waits in memory.
        await channel.BasicQosAsync(0, (ushort)Math.Min(options.ConsumerBatchSize * 4, ushort.MaxValue), global: false, cancellationToken);
        var next = await store.ReadOffsetAsync(Name, cancellationToken) ?? 0;

        var deliveries = System.Threading.Channels.Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, d) =>
        {
            // The body is only valid during this handler: copied.
            var offset = d.BasicProperties.Headers?.TryGetValue("x-stream-offset", out var o) == true ? Convert.ToInt64(o, System.Globalization.CultureInfo.InvariantCulture) : -1;
            deliveries.Writer.TryWrite(new Delivery(offset, d.BasicProperties.MessageId, d.BasicProperties.Type ?? d.RoutingKey, d.Body.ToArray(), d.DeliveryTag));
            return Task.CompletedTask;
        };
        consumer.ShutdownAsync += (_, reason) =>
        {
            deliveries.Writer.TryComplete(new IOException($"The stream consumer's channel closed: {reason.ReplyText}"));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(options.Stream, autoAck: false, consumerTag: $"analytics-{Guid.NewGuid():N}", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = next }, consumer, cancellationToken);
        connected();

        var batch = new List<Delivery>(options.ConsumerBatchSize);
        while (await deliveries.Reader.WaitToReadAsync(cancellationToken))
        {
            batch.Clear();
            while (batch.Count < options.ConsumerBatchSize && deliveries.Reader.TryRead(out var delivery)) batch.Add(delivery);
            await ApplyAsync(batch, cancellationToken);
            await channel.BasicAckAsync(batch[^1].Tag, multiple: true, cancellationToken);
        }
        await deliveries.Reader.Completion;   // rethrows why the channel closed
    }

    /// <summary>One batch of deliveries, exactly once, with the offset after it (see the class comment).</summary>
    private async Task ApplyAsync(IReadOnlyList<Delivery> batch, CancellationToken cancellationToken)
    {
        await using var connection = await store.Db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var stored = await AggregateStore.LockOffsetAsync(tx, Name) ?? 0;
        // A stream delivers from the start of the chunk holding the requested offset: what lies before it was counted.
        var due = batch.Where(d => d.Offset >= stored).ToList();
        if (due.Count == 0) return;

        var now = time.GetUtcNow().UtcDateTime;
        // Each id once, from the first message that holds it (a producer's retry can put it in two).
        var byId = new Dictionary<Guid, (AnalyticsEvent Event, Delivery From)>();
        foreach (var delivery in due)
            foreach (var e in Read(delivery, now))
                byId.TryAdd(Guid.Parse(e.Id), (e, delivery));
        var fresh = byId.Count == 0 ? [] : await AggregateStore.ClaimAsync(tx, byId.Keys, now);
        var claimed = byId.Where(p => fresh.Contains(p.Key)).Select(p => p.Value).ToList();
        var counted = claimed.Select(c => c.Event).ToList();
        if (counted.Count > 0)
        {
            await AggregateStore.ResolveCitiesAsync(tx, counted);
            // Redis before the commit, idempotent: trending once per stream message (a marker; a replay claims the same
            // events from the same messages), risk notes once per event id (sorted-set members). So a commit that fails,
            // or a batch whose script calls failed part way, and the replay that follows add nothing twice, and a commit
            // that succeeded never leaves Redis behind. The whole batch in a few pipelined script calls, not one per
            // event, run while PostgreSQL writes the histories and funnels (they need only the cities resolved above).
            var notes = counted.Select(RiskSignals.NoteFor).OfType<RiskSignals.Note>().ToList();
            var messages = claimed.GroupBy(c => c.From)
                .Select(g => new TrendingBoard.Message($"trend:msg:{g.Key.Offset}:{g.Key.MessageId}", g.Select(c => c.Event).ToList())).ToList();
            await Task.WhenAll(store.AddAsync(tx, counted), trending.AddAsync(messages), risk.NoteAsync(notes));
        }
        await AggregateStore.SaveOffsetAsync(tx, Name, due[^1].Offset + 1);
        await tx.CommitAsync(cancellationToken);
    }

    private IEnumerable<AnalyticsEvent> Read(Delivery delivery, DateTime now)
    {
        if (delivery.Type == EventStream.BatchType)
        {
            IngestEventsRequest batch;
            try { batch = IngestEventsRequest.Parser.ParseFrom(delivery.Body); }
            catch (Google.Protobuf.InvalidProtocolBufferException ex)
            {
                logger.LogError(ex, "Stream message at offset {Offset} is not an event batch; skipped", delivery.Offset);
                return [];
            }
            // Validated at ingestion; an id that is not a uuid cannot be deduplicated and is skipped.
            return batch.Events.Where(e => Guid.TryParse(e.Id, out _) && e.Time is not null);
        }
        if (!Guid.TryParse(delivery.MessageId, out var id)) return [];
        return BusinessEvents.Read(delivery.Type, id, delivery.Body, now) is { } business ? [business] : [];
    }
}
