using System.Diagnostics;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Mesh.ServiceDefaults.Telemetry;

/// <summary>
/// W3C trace context across RabbitMQ, so a trace continues from the code that publishes a message to the code
/// that handles it (outbox relay → broker → consumer). Use around RabbitMQ.Client's own calls:
/// <code>
/// var props = new BasicProperties { MessageId = id };
/// using (RabbitMqTracing.StartPublish(props, exchange, routingKey))
///     await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, props, body);
///
/// consumer.ReceivedAsync += async (_, delivery) =>
/// {
///     using var activity = RabbitMqTracing.StartConsume(delivery, queue);
///     …handle, then ack…
/// };
/// </code>
/// </summary>
public static class RabbitMqTracing
{
    /// <summary>Starts a Producer span "{destination} publish" and writes its context into the message headers.</summary>
    public static Activity? StartPublish(BasicProperties properties, string exchange, string routingKey)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var destination = string.IsNullOrEmpty(exchange) ? routingKey : exchange;
        var previous = Activity.Current;
        var activity = MeshTelemetry.MessagingSource.StartActivity($"{destination} publish", ActivityKind.Producer);
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "rabbitmq");
            activity.SetTag("messaging.operation.type", "publish");
            activity.SetTag("messaging.destination.name", destination);
            activity.SetTag("messaging.rabbitmq.destination.routing_key", routingKey);
            if (properties.MessageId is { } id) activity.SetTag("messaging.message.id", id);
        }
        Inject(properties, activity ?? previous);
        return activity;
    }

    /// <summary>Starts a Consumer span "{queue} process" continuing the publisher's trace from the message headers.</summary>
    public static Activity? StartConsume(BasicDeliverEventArgs delivery, string queue)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var parent = Extract(delivery.BasicProperties);
        Baggage.Current = parent.Baggage;
        var activity = MeshTelemetry.MessagingSource.StartActivity($"{queue} process", ActivityKind.Consumer, parent.ActivityContext);
        if (activity is not null)
        {
            activity.SetTag("messaging.system", "rabbitmq");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", queue);
            activity.SetTag("messaging.rabbitmq.destination.routing_key", delivery.RoutingKey);
            if (delivery.BasicProperties.MessageId is { } id) activity.SetTag("messaging.message.id", id);
        }
        return activity;
    }

    /// <summary>Writes traceparent/tracestate (and baggage) of <paramref name="activity"/> into the message headers.</summary>
    public static void Inject(BasicProperties properties, Activity? activity)
    {
        if (activity is null) return;
        properties.Headers ??= new Dictionary<string, object?>();
        MeshTelemetry.Propagator.Inject(new PropagationContext(activity.Context, Baggage.Current), properties.Headers,
            static (headers, key, value) => headers[key] = value);
    }

    /// <summary>The publisher's trace context from message headers (values arrive from the broker as UTF-8 bytes).</summary>
    public static PropagationContext Extract(IReadOnlyBasicProperties properties) =>
        MeshTelemetry.Propagator.Extract(default, properties.Headers, static (headers, key) =>
            headers is not null && headers.TryGetValue(key, out var value) && value is not null
                ? [value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : value.ToString() ?? ""]
                : []);
}
