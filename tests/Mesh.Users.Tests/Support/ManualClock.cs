namespace Mesh.Users.Tests.Support;

/// <summary>A clock the test moves by hand: lock-outs and key rotation are tested without sleeping.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
