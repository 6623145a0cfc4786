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
    private TaskCompletionSource? _newer; // created only while someone follows, so plain appends allocate nothing extra

    public BoundedLog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>How many entries were dropped to stay within the capacity.</summary>
    public long Dropped { get; private set; }

    public int Count { get { lock (_gate) return _items.Count; } }

    /// <summary>The sequence number of the newest entry ever added (0 before the first).</summary>
    public long LastSeq { get { lock (_gate) return _next - 1; } }

    public long Add(T item)
    {
        TaskCompletionSource? newer;
        long seq;
        lock (_gate)
        {
            seq = _next++;
            _items.Enqueue((seq, item));
            while (_items.Count > Capacity)
            {
                _items.Dequeue();
                Dropped++;
            }
            newer = _newer;
            _newer = null;
        }
        newer?.TrySetResult(); // outside the lock: followers continue on the thread pool
        return seq;
    }

    public void AddRange(IEnumerable<T> items)
    {
        TaskCompletionSource? newer;
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
            newer = _newer;
            _newer = null;
        }
        newer?.TrySetResult();
    }

    /// <summary>Completes as soon as an entry with a sequence number above <paramref name="seq"/> exists (at once if one does).</summary>
    public Task WaitForNewerAsync(long seq, CancellationToken ct)
    {
        lock (_gate)
        {
            if (_next - 1 > seq) return Task.CompletedTask;
            _newer ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _newer.Task.WaitAsync(ct);
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
