using Mesh.ServiceDefaults.Messaging;
using RabbitMQ.Client;

namespace Mesh.Analytics.Stream;

/// <summary>
/// The event log: one RabbitMQ stream queue (x-queue-type: stream, over plain AMQP 0.9.1, no stream-protocol port)
/// holding the clients' batches (published straight to it) and the business events other services already publish to
/// mesh.events, bound here by routing key so no producer has to call analytics (docs/decisions/0014).
/// </summary>
public static class EventStream
{
    /// <summary>Message type of a batch of client or internal events (body: mesh.analytics.v1.IngestEventsRequest).</summary>
    public const string BatchType = "analytics.events";

    /// <summary>The business events analytics reads from mesh.events.</summary>
    public static readonly string[] Bindings =
    [
        "booking.confirmed", "booking.cancelled", "booking.failed", "booking.hold_expired", "hold.created",
        "payment.succeeded", "payment.failed", "user.signed_in", "ad.impression", "ad.clicked",
    ];

    /// <summary>Declares the stream (idempotent; the same arguments everywhere) and its bindings.</summary>
    public static async Task DeclareAsync(IChannel channel, AnalyticsOptions options, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(MessagingNames.DefaultExchange, ExchangeType.Topic, durable: true, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(options.Stream, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
        {
            ["x-queue-type"] = "stream",
            ["x-max-age"] = options.StreamMaxAge,
        }, cancellationToken: cancellationToken);
        foreach (var key in Bindings)
            await channel.QueueBindAsync(options.Stream, MessagingNames.DefaultExchange, key, cancellationToken: cancellationToken);
    }
}
