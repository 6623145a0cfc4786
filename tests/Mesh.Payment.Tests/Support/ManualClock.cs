namespace Mesh.Payment.Tests.Support;

/// <summary>A clock the test moves by hand: trials, renewals and dunning are tested without sleeping.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    /// <summary>Moves to <paramref name="time"/> (never backwards).</summary>
    public void AdvanceTo(DateTimeOffset time) { if (time > _now) _now = time; }
}
