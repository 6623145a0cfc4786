using Mesh.Support.V1;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Mesh.Gateway.Chat;

/// <summary>
/// Support chat for browsers, at <see cref="SupportChatExtensions.Path"/>: the support service's <c>Chat</c> stream
/// behind a SignalR hub. A connection joins one ticket at a time; each join is one gRPC <c>Chat</c> call to the support
/// service with the caller's own bearer token, so who may read or join what is decided there, never here
/// (NOT_FOUND / PERMISSION_DENIED reach the caller as the <see cref="HubException"/> of <see cref="Join"/>).
/// Server → client: <c>message</c>, <c>ack</c>, <c>typing</c>, <c>read</c>, and <c>ended</c> when the stream ends
/// without the client asking (the client joins again with the last sequence it saw).
/// </summary>
[Authorize(Policy = Routing.ProxyConfiguration.AuthenticatedPolicy)]
public sealed class SupportChatHub(ChatRelays relays) : Hub
{
    /// <summary>Joins <paramref name="ticketId"/>, replaying its messages after <paramref name="afterSequence"/>; leaves any earlier join.</summary>
    public Task Join(string ticketId, long afterSequence) =>
        relays.JoinAsync(Context.ConnectionId, HubBearer.Of(Context), ticketId, afterSequence, Context.ConnectionAborted);

    /// <summary>Sends a message; the <c>ack</c> with <paramref name="clientMessageId"/> says it is stored (a resend with the same id is not stored twice).</summary>
    public Task Send(string clientMessageId, string body) =>
        relays.Get(Context.ConnectionId).WriteAsync(new ChatEvent { Message = new TicketMessage { ClientMessageId = clientMessageId, Body = body } });

    public Task Typing() =>
        relays.Get(Context.ConnectionId).WriteAsync(new ChatEvent { Typing = new ChatEvent.Types.Typing() });

    public Task Read(long sequence) =>
        relays.Get(Context.ConnectionId).WriteAsync(new ChatEvent { Read = new ReadReceipt { Sequence = sequence } });

    /// <summary>Ends the join: the gRPC stream is completed and its subscription at the support service goes.</summary>
    public Task Leave() => relays.LeaveAsync(Context.ConnectionId);

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        await relays.LeaveAsync(Context.ConnectionId);
        await base.OnDisconnectedAsync(exception);
    }
}
