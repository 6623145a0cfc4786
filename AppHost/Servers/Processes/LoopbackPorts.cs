using System.Net;
using System.Net.Sockets;

namespace Mesh.Servers.Processes;

/// <summary>Free TCP ports on 127.0.0.1, for servers that must be told their port up front.</summary>
public static class LoopbackPorts
{
    private static readonly HashSet<int> Handed = new();
    private static readonly (int Low, int High) Range = PickRange();

    /// <summary>
    /// A port the OS says is free now, from below the kernel's ephemeral range. Never hands out the same port twice in
    /// this process, so two servers started at once cannot be given the same one.
    /// </summary>
    /// <remarks>
    /// Why not port 0: the kernel hands out the same ephemeral range to every outgoing connection, and a connected
    /// socket's local port blocks a listener's bind (SO_REUSEADDR or not). On a machine running thousands of client
    /// connections — every test assembly at once, a load run — the port picked and released here was sometimes taken
    /// by a connection before the server bound it, and the server never started. Below the range, only a process that
    /// binds a port by number can take it.
    /// </remarks>
    public static int GetFree()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(Range.Low, Range.High);
            lock (Handed)
                if (Handed.Contains(port)) continue;
            if (!IsFree(port)) continue;
            lock (Handed)
                if (Handed.Add(port)) return port;
        }
        throw new InvalidOperationException($"No free loopback port found in {Range.Low}-{Range.High - 1}.");
    }

    /// <summary>
    /// [low, high): up to 12,000 ports just below the ephemeral range (/proc/sys/net/ipv4/ip_local_port_range; Linux's
    /// default 32768–60999 gives 20768–32767), never below 10000.
    /// </summary>
    private static (int Low, int High) PickRange()
    {
        var ephemeralLow = 32768;
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (text.Length > 0 && int.TryParse(text[0], out var low)) ephemeralLow = low;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // not Linux: the usual default
        var high = ephemeralLow > 11_000 ? ephemeralLow : 65_536;
        var lowEnd = ephemeralLow > 11_000 ? Math.Max(10_000, high - 12_000) : 61_000;
        return (lowEnd, high);
    }

    /// <summary>Marks a port chosen elsewhere (e.g. remembered from the last run) as handed out; false if it already was.</summary>
    public static bool TryReserve(int port)
    {
        lock (Handed) return Handed.Add(port);
    }

    /// <summary>Gives a port back once whatever used it has stopped.</summary>
    public static void Release(int port)
    {
        lock (Handed) Handed.Remove(port);
    }

    /// <summary>
    /// True if 127.0.0.1:port can be bound now — asked after a server failed to start, to tell whether another
    /// process holds one of its ports.
    /// </summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>True if something accepts TCP connections on 127.0.0.1:port.</summary>
    public static async Task<bool> IsAcceptingAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, ct);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
