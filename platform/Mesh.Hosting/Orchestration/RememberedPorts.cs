using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Mesh.Servers.Processes;

namespace Mesh.Hosting.Orchestration;

/// <summary>
/// Ports the mesh used last time (<c>.mesh/data/ports.json</c>), so `./mesh up` gives every server and
/// endpoint the same port on each run — connection strings and URLs a person saved keep working. A
/// remembered port that is taken now is replaced by a free one. Throw-away runs (tests) remember nothing.
/// </summary>
internal sealed class RememberedPorts
{
    private readonly string? _file;
    private readonly Dictionary<string, int> _ports = new(StringComparer.Ordinal);
    private readonly HashSet<string> _handedOut = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public RememberedPorts(string? file)
    {
        _file = file;
        if (file is null || !File.Exists(file)) return;
        try
        {
            _ports = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(file)) ?? _ports;
        }
        catch (JsonException)
        {
            // A damaged file only costs the old ports.
        }
    }

    /// <summary>
    /// The port for <paramref name="key"/> in this run: the same on every call; the one remembered from the
    /// last run when it is free now; otherwise a new free one, remembered for next time.
    /// </summary>
    public int Get(string key)
    {
        lock (_gate)
        {
            if (_ports.TryGetValue(key, out var port))
            {
                if (_handedOut.Contains(key)) return port; // asked before in this run (it may be bound by now)
                if (IsFree(port) && LoopbackPorts.TryReserve(port))
                {
                    _handedOut.Add(key);
                    return port;
                }
            }
            port = LoopbackPorts.GetFree();
            _ports[key] = port;
            _handedOut.Add(key);
            Save();
            return port;
        }
    }

    /// <summary>Gives every port of this run back (the mesh has stopped).</summary>
    public void ReleaseAll()
    {
        lock (_gate)
        {
            foreach (var key in _handedOut) LoopbackPorts.Release(_ports[key]);
            _handedOut.Clear();
        }
    }

    private void Save()
    {
        if (_file is null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
        File.WriteAllText(_file, JsonSerializer.Serialize(_ports, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
