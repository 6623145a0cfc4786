using System.Collections.Concurrent;

namespace Mesh.Booking;

/// <summary>
/// Wakes this process's WatchHold streams when a hold changes here (released, booked), so they answer at once instead
/// of at their next update_interval. Best effort by design: a change made by another replica (or a missed signal)
/// is still seen at the next interval, when the stream re-reads the hold from the database.
/// </summary>
public sealed class HoldChanges
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _next = new();
    private int _watches;

    /// <summary>WatchHold loops running in this process (one per open stream): shows that a client leaving ends its loop.</summary>
    public int ActiveWatches => Volatile.Read(ref _watches);

    /// <summary>Counts a WatchHold loop while the returned scope lives.</summary>
    public IDisposable BeginWatch()
    {
        Interlocked.Increment(ref _watches);
        return new WatchScope(this);
    }

    private sealed class WatchScope(HoldChanges owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref owner._watches);
        }
    }

    /// <summary>A task that completes at the next <see cref="Notify"/> for the hold. Take it BEFORE reading the hold, so no change slips between.</summary>
    public Task Next(Guid holdId) =>
        _next.GetOrAdd(holdId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Notify(Guid holdId)
    {
        if (_next.TryRemove(holdId, out var changed)) changed.TrySetResult();
    }

    /// <summary>Drops the pending signal of a hold nobody watches any more (a watcher calls it when its stream ends).</summary>
    public void Forget(Guid holdId, Task next)
    {
        if (_next.TryGetValue(holdId, out var pending) && pending.Task == next && !next.IsCompleted)
            _next.TryRemove(new KeyValuePair<Guid, TaskCompletionSource>(holdId, pending));
    }
}
