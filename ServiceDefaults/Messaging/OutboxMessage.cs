namespace Mesh.ServiceDefaults.Messaging;

/// <summary>
/// A message as the outbox stores it and consumers receive it: a unique id (consumers dedupe by it), a type that is
/// also the routing key on the topic exchange (e.g. "payment.succeeded"), and a body (JSON or protobuf bytes).
/// </summary>
public sealed record OutboxMessage(Guid Id, string Type, ReadOnlyMemory<byte> Body, string ContentType = "application/json")
{
    public static OutboxMessage Json<T>(string type, T payload) =>
        new(Guid.CreateVersion7(), type, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(payload));
}
