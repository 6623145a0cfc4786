using Dapper;
using Npgsql;

namespace Mesh.Notification.Delivery;

/// <summary>
/// The provider this service ships with: sends nothing, records what it would have sent in sandbox_messages (keyed by
/// the idempotency key, so a repeated key is recorded once). <see cref="Failing"/> makes every send fail — the switch
/// tests use to drive deliveries through retries into the dead letters (Notification:SandboxFails).
/// </summary>
public sealed class SandboxProvider(NpgsqlDataSource db, NotificationOptions options, TimeProvider clock) : IMessageProvider
{
    private volatile bool _failing = options.SandboxFails;

    public bool Failing { get => _failing; set => _failing = value; }

    public async Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        if (_failing) throw new ProviderException("The sandbox provider is switched to fail.");
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("""
            INSERT INTO sandbox_messages (idempotency_key, channel, destination, subject, body, send_time)
            VALUES (@IdempotencyKey, @Channel, @Destination, @Subject, @Body, @Now) ON CONFLICT (idempotency_key) DO NOTHING
            """, new { message.IdempotencyKey, message.Channel, message.Destination, message.Subject, message.Body, Now = clock.GetUtcNow().UtcDateTime });
    }
}

/// <summary>A provider refused or could not take a message.</summary>
public sealed class ProviderException(string message) : Exception(message);
