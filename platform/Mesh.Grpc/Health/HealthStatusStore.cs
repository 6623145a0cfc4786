using System.Threading.Channels;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Mesh.Grpc.Health;

/// <summary>
/// The serving status of each service name ("" = the whole server), and the watchers waiting for it
/// to change. One lock guards both so a watcher never misses a change made while it subscribes, and
/// changes reach each watcher in the order they were made.
/// </summary>
internal sealed class HealthStatusStore
{
    // A watcher that stops reading must not grow memory without bound: past this many unread
    // changes the oldest is dropped (the newest, which is what matters, is always kept).
    private const int WatcherBacklog = 32;

    private readonly object _gate = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Channel<ServingStatus>>> _watchers = new(StringComparer.Ordinal);

    public bool TryGet(string service, out ServingStatus status)
    {
        lock (_gate) return _statuses.TryGetValue(service, out status);
    }

    public void Set(string service, ServingStatus status)
    {
        lock (_gate)
        {
            if (_statuses.TryGetValue(service, out var current) && current == status) return;
            _statuses[service] = status;
            Notify(service, status);
        }
    }

    public void Clear(string service)
    {
        lock (_gate)
        {
            if (_statuses.Remove(service)) Notify(service, ServingStatus.ServiceUnknown);
        }
    }

    public void ClearAll()
    {
        lock (_gate)
        {
            foreach (var service in _statuses.Keys) Notify(service, ServingStatus.ServiceUnknown);
            _statuses.Clear();
        }
    }

    /// <summary>
    /// Starts watching <paramref name="service"/>: the returned reader holds the current status
    /// (SERVICE_UNKNOWN if none) followed by every later change. Dispose the subscription to stop.
    /// </summary>
    public Subscription Watch(string service)
    {
        var channel = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(WatcherBacklog)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
        lock (_gate)
        {
            channel.Writer.TryWrite(_statuses.TryGetValue(service, out var status) ? status : ServingStatus.ServiceUnknown);
            if (!_watchers.TryGetValue(service, out var list)) _watchers[service] = list = new List<Channel<ServingStatus>>();
            list.Add(channel);
        }
        return new Subscription(this, service, channel);
    }

    private void Unwatch(string service, Channel<ServingStatus> channel)
    {
        lock (_gate)
        {
            if (!_watchers.TryGetValue(service, out var list)) return;
            list.Remove(channel);
            if (list.Count == 0) _watchers.Remove(service);
        }
        channel.Writer.TryComplete();
    }

    private void Notify(string service, ServingStatus status)
    {
        if (!_watchers.TryGetValue(service, out var list)) return;
        foreach (var channel in list) channel.Writer.TryWrite(status);
    }

    public sealed class Subscription(HealthStatusStore store, string service, Channel<ServingStatus> channel) : IDisposable
    {
        public ChannelReader<ServingStatus> Changes => channel.Reader;
        public void Dispose() => store.Unwatch(service, channel);
    }
}
