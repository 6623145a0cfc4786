namespace Mesh.Gateway.Chat;

// What the hub sends to the browser (JSON, camelCase): the support service's ChatEvent cases as plain records, in
// the REST shape of the same fields (ids as strings, sequences as numbers, time as RFC 3339).

public sealed record ChatMessage(string TicketId, long Sequence, string AuthorId, string AuthorRole, string Body, bool Internal,
    string ClientMessageId, DateTimeOffset? CreateTime);

public sealed record ChatAck(string ClientMessageId, long Sequence);

public sealed record ChatTyping(string UserId);

public sealed record ChatRead(string ReaderId, long Sequence);

/// <summary>The stream ended without the client leaving: the code and message the support service ended it with.</summary>
public sealed record ChatEnded(string TicketId, string Code, string Message);

/// <summary>The client method names.</summary>
public static class ChatHubEvents
{
    public const string Message = "message";
    public const string Ack = "ack";
    public const string Typing = "typing";
    public const string Read = "read";
    public const string Ended = "ended";
}
