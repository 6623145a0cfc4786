namespace Mesh.Ads.Tests.Support;

/// <summary>A clock the test sets by hand: pacing depends on the time of day, which a test must not leave to chance.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Set(DateTimeOffset time) => Interlocked.Exchange(ref _ticks, time.UtcTicks);
}
