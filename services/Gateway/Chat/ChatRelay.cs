using Grpc.Core;
using Mesh.Support.V1;
using Microsoft.AspNetCore.SignalR;
using SupportClient = Mesh.Support.V1.Support.SupportClient;

namespace Mesh.Gateway.Chat;

/// <summary>
/// One joined ticket of one hub connection: the support service's <c>Chat</c> call opened with the caller's token,
/// hub calls written to it (one at a time, as a gRPC request stream requires), its events sent to the connection. It
/// ends when the client leaves or disconnects (the request stream is completed and the call disposed, so the support
/// service drops its subscription), or when the support service ends it (the client gets <c>ended</c>).
/// </summary>
public sealed class ChatRelay : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<ChatEvent, ChatEvent> _call;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _pump = Task.CompletedTask;
    private volatile bool _ended;
    private volatile bool _leaving; // the client left: the end of the stream is not news to it

    private ChatRelay(string ticketId, AsyncDuplexStreamingCall<ChatEvent, ChatEvent> call)
    {
        TicketId = ticketId;
        _call = call;
    }

    public string TicketId { get; }

    /// <summary>The response header the support service's Chat sends once it has accepted the join (support.proto).</summary>
    public const string JoinedHeader = "mesh-chat-joined";

    /// <summary>
    /// Opens the call and joins; returns once the support service has accepted the join (its response headers), or
    /// throws the <see cref="HubException"/> it refused the join with. Nothing is relayed before that.
    /// </summary>
    public static async Task<ChatRelay> OpenAsync(SupportClient client, string token, string ticketId, long afterSequence,
        IClientProxy caller, CancellationToken cancellationToken)
    {
        var call = client.Chat(new Metadata { { "authorization", $"Bearer {token}" } }, cancellationToken: CancellationToken.None);
        var relay = new ChatRelay(ticketId, call);
        try
        {
            await call.RequestStream.WriteAsync(new ChatEvent { Join = new ChatEvent.Types.Join { TicketId = ticketId, AfterSequence = afterSequence } }, cancellationToken);
            var headers = await call.ResponseHeadersAsync.WaitAsync(cancellationToken);
            // Accepted: the service sent its headers with the joined marker. Refused: a trailers-only response, whose
            // status the response stream ends with.
            if (headers.GetValue(JoinedHeader) is null)
            {
                await call.ResponseStream.MoveNext(cancellationToken);
                throw new HubException("UNAVAILABLE: the support service ended the chat without accepting the join.");
            }
        }
        catch (RpcException e)
        {
            call.Dispose();
            throw ChatErrors.ToHub(e);
        }
        catch
        {
            call.Dispose();
            throw;
        }
        relay._pump = relay.PumpAsync(caller);
        return relay;
    }

    public async Task WriteAsync(ChatEvent e)
    {
        await _writes.WaitAsync(_stop.Token);
        try
        {
            if (_ended) throw new HubException("FAILED_PRECONDITION: the chat stream has ended; join the ticket again.");
            await _call.RequestStream.WriteAsync(e, _stop.Token);
        }
        catch (RpcException ex) { throw ChatErrors.ToHub(ex); }
        finally { _writes.Release(); }
    }

    private async Task PumpAsync(IClientProxy caller)
    {
        var (code, message) = ("OK", "");
        try
        {
            await foreach (var e in _call.ResponseStream.ReadAllAsync(_stop.Token))
                await SendAsync(caller, e);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { return; }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && _stop.IsCancellationRequested) { return; }
        catch (RpcException e) { (code, message) = (ChatErrors.CodeName(e.StatusCode), e.Status.Detail); }
        finally { _ended = true; }
        if (!_leaving)
            await caller.SendAsync(ChatHubEvents.Ended, new ChatEnded(TicketId, code, message), CancellationToken.None);
    }

    private Task SendAsync(IClientProxy caller, ChatEvent e) => e.EventCase switch
    {
        ChatEvent.EventOneofCase.Message => caller.SendAsync(ChatHubEvents.Message, new ChatMessage(e.Message.TicketId, e.Message.Sequence,
            e.Message.AuthorId, e.Message.AuthorRole, e.Message.Body, e.Message.Internal, e.Message.ClientMessageId,
            e.Message.CreateTime?.ToDateTimeOffset()), _stop.Token),
        ChatEvent.EventOneofCase.Ack => caller.SendAsync(ChatHubEvents.Ack, new ChatAck(e.Ack.ClientMessageId, e.Ack.Sequence), _stop.Token),
        ChatEvent.EventOneofCase.Typing => caller.SendAsync(ChatHubEvents.Typing, new ChatTyping(e.Typing.UserId), _stop.Token),
        ChatEvent.EventOneofCase.Read => caller.SendAsync(ChatHubEvents.Read, new ChatRead(e.Read.ReaderId, e.Read.Sequence), _stop.Token),
        _ => Task.CompletedTask, // a case this edge does not know yet: newer contract, not for the browser
    };

    /// <summary>Leaves: completes the request stream (the service ends the call), then stops relaying.</summary>
    public async ValueTask DisposeAsync()
    {
        _leaving = true;
        await _writes.WaitAsync();
        try
        {
            if (!_ended)
                try { await _call.RequestStream.CompleteAsync(); }
                catch (Exception e) when (e is RpcException or InvalidOperationException or OperationCanceledException) { } // the call already ended
            _ended = true;
        }
        finally { _writes.Release(); }
        _stop.Cancel();
        _call.Dispose(); // cancels the call if the service has not ended it yet
        await _pump;
        _stop.Dispose();
    }
}
