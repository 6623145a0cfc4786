namespace Mesh.Analytics.Tests.Support;

/// <summary>A clock the test moves (forward only): the analytics service's time for windows, skews and cadences.</summary>
public sealed class SettableClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;
    private readonly Lock _lock = new();

    public override DateTimeOffset GetUtcNow() { lock (_lock) return _now; }

    public void Advance(TimeSpan by)
    {
        if (by < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), "the test clock only moves forward");
        lock (_lock) _now += by;
    }
}
