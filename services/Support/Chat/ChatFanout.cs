using System.Collections.Concurrent;
using System.Threading.Channels;
using Mesh.Support.Tickets;
using Npgsql;

namespace Mesh.Support.Chat;

/// <summary>
/// Cross-replica fan-out of chat: one connection per replica LISTENs on <c>support_chat</c>; every NOTIFY a replica's
/// transaction sends (on commit) wakes the chat streams of that ticket open on this replica. Signals are wake-ups
/// only; the streams read the messages themselves from the database after their last sequence, so a replica that
/// misses signals (its listening connection was lost) wakes every stream once it listens again and nothing is lost.
/// The listening connection is its own (not pooled): LISTEN is session state.
/// </summary>
public sealed class ChatFanout(SupportOptions options, IConfiguration configuration, ILogger<ChatFanout> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<ChatSubscription, byte>> _subscriptions = new();

    /// <summary>Chat streams open on this replica (a stream that ends leaves none behind).</summary>
    public int OpenStreams => _subscriptions.Values.Sum(s => s.Count);

    /// <summary>Starts receiving the signals of <paramref name="ticketId"/>; dispose to stop.</summary>
    public ChatSubscription Subscribe(Guid ticketId)
    {
        var subscription = new ChatSubscription(this, ticketId);
        _subscriptions.GetOrAdd(ticketId, _ => new()).TryAdd(subscription, 0);
        return subscription;
    }

    internal void Unsubscribe(ChatSubscription subscription)
    {
        if (_subscriptions.TryGetValue(subscription.TicketId, out var set))
        {
            set.TryRemove(subscription, out _);
            if (set.IsEmpty) _subscriptions.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<ChatSubscription, byte>>(subscription.TicketId, set));
        }
    }

    private void Deliver(ChatSignal signal)
    {
        if (!_subscriptions.TryGetValue(signal.TicketId, out var set)) return;
        foreach (var subscription in set.Keys) subscription.Signal(signal);
    }

    private void WakeAll()
    {
        foreach (var (ticket, set) in _subscriptions)
            foreach (var subscription in set.Keys) subscription.Signal(new ChatSignal(ChatSignal.Stored, ticket));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(options.Database)
            ?? throw new InvalidOperationException($"ConnectionStrings:{options.Database} is not set.")) { Pooling = false, KeepAlive = 30 }.ConnectionString;
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => { if (ChatSignal.Parse(e.Payload) is { } signal) Deliver(signal); };
                await using (var listen = new NpgsqlCommand($"LISTEN {SupportUnit.ChatChannel}", connection)) await listen.ExecuteNonQueryAsync(stoppingToken);
                WakeAll(); // whatever was committed while this replica did not listen is read now
                delay = TimeSpan.FromMilliseconds(200);
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.IO.IOException or TimeoutException)
            {
                logger.LogWarning(e, "Chat fan-out lost its LISTEN connection; reconnecting in {Delay}.", delay);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }
}

/// <summary>
/// One chat stream's inbox of signals. Stored-message signals collapse into one flag (the stream reads everything
/// after its last sequence anyway); typing and read signals queue, and the oldest are dropped if a slow client lets
/// more than a few hundred pile up (they are transient or stored and replayed on the next join).
/// </summary>
public sealed class ChatSubscription(ChatFanout owner, Guid ticketId) : IDisposable
{
    private readonly Channel<ChatSignal> _signals = Channel.CreateBounded<ChatSignal>(new BoundedChannelOptions(256)
    {
        FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
    });
    private int _storedPending = 1; // the first read happens without a signal

    public Guid TicketId { get; } = ticketId;

    internal void Signal(ChatSignal signal)
    {
        if (signal.Kind == ChatSignal.Stored)
        {
            Volatile.Write(ref _storedPending, 1);
            _signals.Writer.TryWrite(signal); // a wake-up; if it is dropped, the flag is still read at the next one
        }
        else
        {
            _signals.Writer.TryWrite(signal);
        }
    }

    /// <summary>Whether stored messages were signalled since the last call (and clears it).</summary>
    public bool TakeStoredPending() => Interlocked.Exchange(ref _storedPending, 0) == 1;

    public ChannelReader<ChatSignal> Signals => _signals.Reader;

    public void Dispose()
    {
        owner.Unsubscribe(this);
        _signals.Writer.TryComplete();
    }
}
