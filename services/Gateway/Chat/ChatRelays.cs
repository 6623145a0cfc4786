using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using SupportClient = Mesh.Support.V1.Support.SupportClient;

namespace Mesh.Gateway.Chat;

/// <summary>
/// The open <see cref="ChatRelay"/> of every hub connection on this edge replica (hubs are made per call; the gRPC
/// stream outlives the call that joined). A connection has at most one; a new join replaces it.
/// </summary>
public sealed class ChatRelays(SupportClient support, IHubContext<SupportChatHub> hub)
{
    private readonly ConcurrentDictionary<string, ChatRelay> _relays = new(StringComparer.Ordinal);

    public int Open => _relays.Count;

    /// <param name="cancellationToken">The connection's ConnectionAborted.</param>
    public async Task JoinAsync(string connectionId, string token, string ticketId, long afterSequence, CancellationToken cancellationToken)
    {
        await LeaveAsync(connectionId);
        var relay = await ChatRelay.OpenAsync(support, token, ticketId, afterSequence, hub.Clients.Client(connectionId), cancellationToken);
        if (!_relays.TryAdd(connectionId, relay))
        {
            await relay.DisposeAsync(); // hub calls of one connection run one at a time, so this is a bug, not a race
            throw new InvalidOperationException($"Connection {connectionId} joined twice at once.");
        }
        // The connection went away while joining: its disconnect may have run before the relay was added.
        if (cancellationToken.IsCancellationRequested) await LeaveAsync(connectionId);
    }

    public ChatRelay Get(string connectionId) =>
        _relays.TryGetValue(connectionId, out var relay) ? relay : throw new HubException("FAILED_PRECONDITION: join a ticket first.");

    public async Task LeaveAsync(string connectionId)
    {
        if (_relays.TryRemove(connectionId, out var relay)) await relay.DisposeAsync();
    }
}
