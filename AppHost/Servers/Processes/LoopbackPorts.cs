using System.Net;
using System.Net.Sockets;

namespace Mesh.Servers.Processes;

/// <summary>Free TCP ports on 127.0.0.1, for servers that must be told their port up front.</summary>
public static class LoopbackPorts
{
    private static readonly HashSet<int> Handed = new();

    /// <summary>
    /// A port the OS says is free now. Never hands out the same port twice in this process, so two
    /// servers started at once cannot be given the same one.
    /// </summary>
    public static int GetFree()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Handed)
                if (Handed.Add(port)) return port;
        }
        throw new InvalidOperationException("No free loopback port found.");
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
