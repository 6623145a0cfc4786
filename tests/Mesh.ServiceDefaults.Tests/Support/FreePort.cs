using System.Net;
using System.Net.Sockets;

namespace Mesh.ServiceDefaults.Tests.Support;

public static class FreePort
{
    /// <summary>A loopback port nothing listens on (the OS just handed it out and it was closed again).</summary>
    public static int Pick()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
