namespace Mesh.Booking.Tests.Support;

/// <summary>The booking service's clock in tests: moved forward by the test, so expiry is tested without sleeping.</summary>
public sealed class SettableClock : TimeProvider
{
    private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
