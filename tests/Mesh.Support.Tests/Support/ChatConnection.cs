using System.Collections.Concurrent;
using System.Threading.Channels;
using Mesh.Support.V1;
using SupportClient = Mesh.Support.V1.Support.SupportClient;

namespace Mesh.Support.Tests.Support;

/// <summary>
/// A chat client as an app would write one: joins after the last sequence it saw, remembers every message it
/// received (to show none is lost or duplicated across reconnects), and keeps its own messages until acknowledged so
/// it can send them again, with the same client_message_id, after a reconnect.
/// </summary>
public sealed class ChatConnection : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<ChatEvent, ChatEvent> _call;
    private readonly Channel<ChatEvent> _events = Channel.CreateUnbounded<ChatEvent>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _acks = new();
    private readonly Task _pump;
    private volatile bool _disposed;

    private ChatConnection(AsyncDuplexStreamingCall<ChatEvent, ChatEvent> call, ChatLog log)
    {
        _call = call;
        Log = log;
        _pump = PumpAsync();
    }

    /// <summary>What this client has seen over all its connections.</summary>
    public ChatLog Log { get; }

    /// <summary>How the stream ended (null while it is open or when it ended cleanly).</summary>
    public RpcException? Failure { get; private set; }

    public static async Task<ChatConnection> OpenAsync(SupportClient client, TestCaller caller, Guid ticketId, ChatLog? log = null)
    {
        log ??= new ChatLog();
        var call = client.Chat(caller.Bearer, cancellationToken: TestContext.Current.CancellationToken);
        await call.RequestStream.WriteAsync(new ChatEvent { Join = new ChatEvent.Types.Join { TicketId = ticketId.ToString(), AfterSequence = log.LastSequence } });
        return new ChatConnection(call, log);
    }

    /// <summary>Sends a message; <see cref="AckAsync"/> waits for its acknowledgement.</summary>
    public async Task SendAsync(string clientMessageId, string body, bool isInternal = false)
    {
        Log.Unacknowledged.TryAdd(clientMessageId, body);
        _acks.GetOrAdd(clientMessageId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        await _call.RequestStream.WriteAsync(new ChatEvent { Message = new TicketMessage { ClientMessageId = clientMessageId, Body = body, Internal = isInternal } });
    }

    public Task WriteAsync(ChatEvent e) => _call.RequestStream.WriteAsync(e);

    /// <summary>Sends again every message not yet acknowledged (after a reconnect), with its own client id.</summary>
    public async Task ResendUnacknowledgedAsync()
    {
        foreach (var (id, body) in Log.Unacknowledged.OrderBy(p => p.Key, StringComparer.Ordinal)) await SendAsync(id, body);
    }

    public async Task<long> AckAsync(string clientMessageId) =>
        await _acks.GetOrAdd(clientMessageId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(Guard());

    /// <summary>The next event that is not a message (messages go to the log), e.g. typing or a read receipt.</summary>
    public async Task<ChatEvent> NextSignalAsync() => await _events.Reader.ReadAsync(Guard());

    /// <summary>Waits until the log holds a message with this body (a 60 s hang guard, not a timing assertion).</summary>
    public async Task WaitForAsync(string body)
    {
        var token = Guard();
        while (!Log.Bodies.Contains(body))
        {
            if (_pump.IsCompleted) throw new InvalidOperationException($"The stream ended ({Failure?.StatusCode}) before \"{body}\" arrived.");
            await Task.Delay(20, token);
        }
    }

    /// <summary>Waits for the stream to end and returns how it ended.</summary>
    public async Task<RpcException?> EndAsync()
    {
        await _pump.WaitAsync(Guard());
        return Failure;
    }

    public async Task CompleteAsync()
    {
        await _call.RequestStream.CompleteAsync();
        await _pump.WaitAsync(Guard());
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var e in _call.ResponseStream.ReadAllAsync())
            {
                switch (e.EventCase)
                {
                    case ChatEvent.EventOneofCase.Message:
                        Log.Add(e.Message);
                        break;
                    case ChatEvent.EventOneofCase.Ack:
                        Log.Unacknowledged.TryRemove(e.Ack.ClientMessageId, out _);
                        _acks.GetOrAdd(e.Ack.ClientMessageId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(e.Ack.Sequence);
                        break;
                    default:
                        await _events.Writer.WriteAsync(e);
                        break;
                }
            }
        }
        catch (RpcException e)
        {
            Failure = e;
        }
        catch (ObjectDisposedException e) when (!_disposed)
        {
            // A replica "dies" (SupportReplica.StopAsync) by disposing its channel, then stopping: when the dispose
            // reaches the call before the server's end does, the reader reports the disposed call instead of a status.
            // To this client the stream broke all the same (seen on CI's loaded machine).
            Failure = new RpcException(new Status(StatusCode.Unavailable, "The replica's channel was closed under the stream.", e));
        }
        finally
        {
            _events.Writer.TryComplete();
            foreach (var ack in _acks.Values) ack.TrySetException(Failure ?? new RpcException(new Status(StatusCode.Cancelled, "stream ended")));
        }
    }

    private static CancellationToken Guard()
    {
        var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(60));
        return guard.Token;
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        _call.Dispose();
        try { await _pump; } catch { }
    }
}

/// <summary>Every message one client received, in arrival order, over all its connections; and its unacknowledged sends.</summary>
public sealed class ChatLog
{
    private readonly List<TicketMessage> _messages = [];

    public ConcurrentDictionary<string, string> Unacknowledged { get; } = new();

    public void Add(TicketMessage message) { lock (_messages) _messages.Add(message); }

    public IReadOnlyList<TicketMessage> Messages { get { lock (_messages) return _messages.ToList(); } }

    public IReadOnlyList<string> Bodies => Messages.Select(m => m.Body).ToList();

    public long LastSequence { get { lock (_messages) return _messages.Count == 0 ? 0 : _messages[^1].Sequence; } }
}
