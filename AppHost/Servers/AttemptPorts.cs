using Mesh.Servers.Processes;

namespace Mesh.Servers;

/// <summary>One port of a start attempt: what it serves, its number, and whether it was picked for us or configured.</summary>
internal sealed record AttemptPort(string Role, int Port, bool Picked)
{
    public override string ToString() => $"{Port} ({Role})";
}

/// <summary>
/// The ports one start attempt of a server uses. A picked port is only known to be free at the moment it is picked;
/// <see cref="PortRetry"/> needs to know which ports were picked (and may be replaced) and which the caller configured
/// (and must not be).
/// </summary>
internal sealed class AttemptPorts
{
    // Tests hand out a port they hold first, to make the race that PortRetry handles happen on purpose. AsyncLocal, not
    // a plain static: tests in the same assembly start servers in parallel and must not get each other's picker.
    private static readonly AsyncLocal<Func<string, int>?> Picker = new();

    private readonly List<AttemptPort> _ports = [];

    public IReadOnlyList<AttemptPort> All => _ports;

    /// <summary>The port for <paramref name="role"/>: <paramref name="configured"/>, or a free one when it is 0.</summary>
    public int Take(string role, int configured)
    {
        var picked = configured == 0;
        var port = !picked ? configured : Picker.Value?.Invoke(role) ?? LoopbackPorts.GetFree();
        _ports.Add(new AttemptPort(role, port, picked));
        return port;
    }

    /// <summary>Test seam: picks ports with <paramref name="picker"/> (given the port's role) until disposed.</summary>
    internal static IDisposable PickWith(Func<string, int> picker)
    {
        var previous = Picker.Value;
        Picker.Value = picker;
        return new Restore(previous);
    }

    private sealed class Restore(Func<string, int>? previous) : IDisposable
    {
        public void Dispose() => Picker.Value = previous;
    }
}
