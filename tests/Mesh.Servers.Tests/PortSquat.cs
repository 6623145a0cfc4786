using System.Net;
using System.Net.Sockets;

namespace Mesh.Servers.Tests;

/// <summary>
/// Makes the race a launcher must survive happen on purpose: a port is held by someone else (a listener of ours)
/// and is nonetheless the one the launcher's picker hands out first for <see cref="Role"/> — as when another process
/// takes a picked port before the server binds it. Every later pick is a genuinely free port.
/// </summary>
internal sealed class PortSquat : IDisposable
{
    private readonly TcpListener? _listener;
    private readonly IDisposable _picker;
    private readonly bool _always;
    private int _handedOut;

    /// <param name="role">The launcher's name for the port (e.g. "redis", "amqp", "epmd").</param>
    /// <param name="port">A port someone else already holds; null: hold one with a TcpListener of our own.</param>
    /// <param name="always">Hand the held port out for every pick of the role, not just the first.</param>
    public PortSquat(string role, int? port = null, bool always = false)
    {
        Role = role;
        _always = always;
        if (port is { } held)
        {
            Port = held;
        }
        else
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        }
        _picker = AttemptPorts.PickWith(Pick);
    }

    public string Role { get; }
    public int Port { get; }

    /// <summary>How many times the held port was handed out: proves the race really happened (or how often).</summary>
    public int HandedOut => Volatile.Read(ref _handedOut);

    private int Pick(string role)
    {
        if (role == Role && (_always || HandedOut == 0))
        {
            Interlocked.Increment(ref _handedOut);
            return Port;
        }
        return LoopbackPorts.GetFree();
    }

    public void Dispose()
    {
        _picker.Dispose();
        _listener?.Stop();
        _listener?.Dispose();
    }
}
