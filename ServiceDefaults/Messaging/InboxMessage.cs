namespace Mesh.ServiceDefaults.Messaging;

/// <summary>A message as a consumer's handler sees it.</summary>
public sealed record InboxMessage(Guid Id, string Type, ReadOnlyMemory<byte> Body, int Attempt)
{
    public T Json<T>() => System.Text.Json.JsonSerializer.Deserialize<T>(Body.Span)
        ?? throw new InvalidDataException($"Message {Id} ({Type}) has an empty body.");
}
