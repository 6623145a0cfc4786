namespace Mesh.Support.Tests.Support;

/// <summary>A clock the test moves by hand: deadlines and the reopen window are tested without sleeping.</summary>
public sealed class ManualClock : TimeProvider
{
    private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    /// <summary>Moves to <paramref name="time"/> (never backwards).</summary>
    public void AdvanceTo(DateTimeOffset time) { if (time.UtcTicks > Interlocked.Read(ref _ticks)) Interlocked.Exchange(ref _ticks, time.UtcTicks); }
}
