namespace Mesh.Hosting.Dashboard.Storage;

/// <summary>
/// An append-only, thread-safe ring of at most <c>capacity</c> entries: the oldest is dropped when full.
/// Every entry gets a growing sequence number so a follower can ask for "everything after N".
/// </summary>
public sealed class BoundedLog<T>
{
    private readonly Queue<(long Seq, T Item)> _items = new();
    private readonly Lock _gate = new();
    private long _next = 1;

    public BoundedLog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>How many entries were dropped to stay within the capacity.</summary>
    public long Dropped { get; private set; }

    public int Count { get { lock (_gate) return _items.Count; } }

    public long Add(T item)
    {
        lock (_gate)
        {
            var seq = _next++;
            _items.Enqueue((seq, item));
            while (_items.Count > Capacity)
            {
                _items.Dequeue();
                Dropped++;
            }
            return seq;
        }
    }

    public void AddRange(IEnumerable<T> items)
    {
        lock (_gate)
        {
            foreach (var item in items)
            {
                _items.Enqueue((_next++, item));
                if (_items.Count > Capacity)
                {
                    _items.Dequeue();
                    Dropped++;
                }
            }
        }
    }

    /// <summary>Every entry kept, oldest first.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate) return _items.Select(e => e.Item).ToArray();
    }

    /// <summary>Entries with a sequence number above <paramref name="seq"/>, oldest first, with their numbers.</summary>
    public IReadOnlyList<(long Seq, T Item)> After(long seq)
    {
        lock (_gate) return _items.Where(e => e.Seq > seq).ToArray();
    }
}
