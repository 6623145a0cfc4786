using System.Globalization;

namespace Mesh.Support.Chat;

/// <summary>
/// What one replica tells the others about a ticket's chat, as a NOTIFY payload on <c>support_chat</c>:
/// "m|ticket" (new stored messages: re-read the database after your last sequence), "t|ticket|user" (typing, not
/// stored), "r|ticket|user|sequence" (a read receipt, also stored). The database stays the source of truth: a lost
/// signal delays a stream, never loses a message, because a stream always reads what comes after its last sequence.
/// </summary>
public sealed record ChatSignal(char Kind, Guid TicketId, Guid UserId = default, long Sequence = 0)
{
    public const char Stored = 'm';
    public const char Typing = 't';
    public const char Read = 'r';

    public string ToPayload() => Kind switch
    {
        Stored => $"m|{TicketId}",
        Typing => $"t|{TicketId}|{UserId}",
        _ => $"r|{TicketId}|{UserId}|{Sequence.ToString(CultureInfo.InvariantCulture)}",
    };

    public static ChatSignal? Parse(string payload)
    {
        var parts = payload.Split('|');
        if (parts.Length < 2 || parts[0].Length != 1 || !Guid.TryParse(parts[1], out var ticket)) return null;
        return parts[0][0] switch
        {
            Stored => new ChatSignal(Stored, ticket),
            Typing when parts.Length == 3 && Guid.TryParse(parts[2], out var user) => new ChatSignal(Typing, ticket, user),
            Read when parts.Length == 4 && Guid.TryParse(parts[2], out var reader) && long.TryParse(parts[3], CultureInfo.InvariantCulture, out var seq) => new ChatSignal(Read, ticket, reader, seq),
            _ => null,
        };
    }
}
