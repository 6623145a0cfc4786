using System.Collections.Concurrent;
using System.Threading.Channels;
using Mesh.Notification.Inbox;
using Npgsql;

namespace Mesh.Notification.Live;

/// <summary>
/// Live push across replicas: one connection per replica LISTENs on <see cref="InboxStore.LiveChannel"/>; every
/// notification's transaction NOTIFYs its user id (delivered on commit, so a stream never sees an uncommitted row),
/// and the streams of that user open on this replica wake and read their inbox after their last arrival number.
/// Signals are only wake-ups, so one lost while the LISTEN connection was down loses nothing: on reconnecting every
/// stream wakes once. The listening connection is its own (LISTEN is session state).
/// </summary>
public sealed class InboxFanout(NotificationOptions options, IConfiguration configuration, ILogger<InboxFanout> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<InboxSubscription, byte>> _subscriptions = new();

    public int OpenStreams => _subscriptions.Values.Sum(s => s.Count);

    public InboxSubscription Subscribe(Guid userId)
    {
        var subscription = new InboxSubscription(this, userId);
        _subscriptions.GetOrAdd(userId, _ => new()).TryAdd(subscription, 0);
        return subscription;
    }

    internal void Unsubscribe(InboxSubscription subscription)
    {
        if (!_subscriptions.TryGetValue(subscription.UserId, out var set)) return;
        set.TryRemove(subscription, out _);
        if (set.IsEmpty) _subscriptions.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<InboxSubscription, byte>>(subscription.UserId, set));
    }

    private void Wake(Guid userId)
    {
        if (_subscriptions.TryGetValue(userId, out var set))
            foreach (var subscription in set.Keys) subscription.Wake();
    }

    private void WakeAll()
    {
        foreach (var set in _subscriptions.Values)
            foreach (var subscription in set.Keys) subscription.Wake();
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
                connection.Notification += (_, e) => { if (Guid.TryParse(e.Payload, out var user)) Wake(user); };
                await using (var listen = new NpgsqlCommand($"LISTEN {InboxStore.LiveChannel}", connection)) await listen.ExecuteNonQueryAsync(stoppingToken);
                WakeAll(); // whatever committed while this replica did not listen is read now
                delay = TimeSpan.FromMilliseconds(200);
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                logger.LogWarning(e, "Live push lost its LISTEN connection; reconnecting in {Delay}.", delay);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }
}

/// <summary>One live stream's wake-ups: a single pending flag (the stream reads everything new when it wakes).</summary>
public sealed class InboxSubscription(InboxFanout owner, Guid userId) : IDisposable
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public Guid UserId { get; } = userId;

    internal void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Waits for a wake-up (false once disposed) and takes it.</summary>
    public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        var open = await _wake.Reader.WaitToReadAsync(cancellationToken);
        _wake.Reader.TryRead(out _);
        return open;
    }

    public void Dispose()
    {
        owner.Unsubscribe(this);
        _wake.Writer.TryComplete();
    }
}
