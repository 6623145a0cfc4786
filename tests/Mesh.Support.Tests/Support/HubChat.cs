using System.Collections.Concurrent;
using System.Threading.Channels;
using Mesh.Gateway.Chat;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Hosting;

namespace Mesh.Support.Tests.Support;

/// <summary>
/// A browser's view of support chat: a SignalR connection to an edge's hub (WebSockets, the token as SignalR passes it),
/// remembering every message it received and every ack, with the other events (typing, read, ended) in arrival order.
/// </summary>
public sealed class HubChat : IAsyncDisposable
{
    private readonly List<ChatMessage> _messages = [];
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _acks = new();
    private readonly Channel<object> _signals = Channel.CreateUnbounded<object>();

    private HubChat(HubConnection connection)
    {
        Connection = connection;
        connection.On<ChatMessage>(ChatHubEvents.Message, m => { lock (_messages) _messages.Add(m); });
        connection.On<ChatAck>(ChatHubEvents.Ack, a => Ack(a.ClientMessageId).TrySetResult(a.Sequence));
        connection.On<ChatTyping>(ChatHubEvents.Typing, t => _signals.Writer.TryWrite(t));
        connection.On<ChatRead>(ChatHubEvents.Read, r => _signals.Writer.TryWrite(r));
        connection.On<ChatEnded>(ChatHubEvents.Ended, e => _signals.Writer.TryWrite(e));
    }

    public HubConnection Connection { get; }

    public IReadOnlyList<ChatMessage> Messages { get { lock (_messages) return _messages.ToList(); } }
    public IReadOnlyList<string> Bodies => Messages.Select(m => m.Body).ToList();
    public long LastSequence => Messages.Count == 0 ? 0 : Messages[^1].Sequence;

    /// <summary>A connection whose token is sent as the .NET client sends it (Authorization on the WebSocket upgrade).</summary>
    public static Task<HubChat> ConnectAsync(Uri gateway, TestCaller? caller) =>
        StartAsync(new HubConnectionBuilder().WithUrl(new Uri(gateway, SupportChatExtensions.Path), HttpTransportType.WebSockets, o =>
        {
            o.SkipNegotiation = true;
            if (caller is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(caller.Token);
        }).Build());

    /// <summary>A connection whose token is in the URL's access_token, as a browser's WebSocket must send it.</summary>
    public static Task<HubChat> ConnectWithQueryTokenAsync(Uri gateway, string token) =>
        StartAsync(new HubConnectionBuilder().WithUrl(new Uri(gateway, $"{SupportChatExtensions.Path}?access_token={Uri.EscapeDataString(token)}"),
            HttpTransportType.WebSockets, o => o.SkipNegotiation = true).Build());

    private static async Task<HubChat> StartAsync(HubConnection connection)
    {
        var chat = new HubChat(connection);
        try { await connection.StartAsync(TestContext.Current.CancellationToken); }
        catch { await connection.DisposeAsync(); throw; }
        return chat;
    }

    public Task JoinAsync(Guid ticketId, long afterSequence = 0) =>
        Connection.InvokeAsync("Join", ticketId.ToString(), afterSequence, TestContext.Current.CancellationToken);

    public async Task<long> SendAsync(string clientMessageId, string body)
    {
        var ack = Ack(clientMessageId);
        await Connection.InvokeAsync("Send", clientMessageId, body, TestContext.Current.CancellationToken);
        return await ack.Task.WaitAsync(Guard());
    }

    public Task TypingAsync() => Connection.InvokeAsync("Typing", TestContext.Current.CancellationToken);
    public Task ReadAsync(long sequence) => Connection.InvokeAsync("Read", sequence, TestContext.Current.CancellationToken);
    public Task LeaveAsync() => Connection.InvokeAsync("Leave", TestContext.Current.CancellationToken);

    /// <summary>Sends a message without waiting for its ack (for calls that must be refused).</summary>
    public Task SendUnacknowledgedAsync(string clientMessageId, string body) =>
        Connection.InvokeAsync("Send", clientMessageId, body, TestContext.Current.CancellationToken);

    /// <summary>The next typing, read or ended event.</summary>
    public async Task<object> NextSignalAsync() => await _signals.Reader.ReadAsync(Guard());

    /// <summary>Waits until a message with this body has arrived (a 60 s hang guard, not a timing assertion).</summary>
    public async Task WaitForAsync(string body)
    {
        var token = Guard();
        while (!Bodies.Contains(body)) await Task.Delay(20, token);
    }

    private TaskCompletionSource<long> Ack(string clientMessageId) =>
        _acks.GetOrAdd(clientMessageId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    private static CancellationToken Guard()
    {
        var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(60));
        return guard.Token;
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
