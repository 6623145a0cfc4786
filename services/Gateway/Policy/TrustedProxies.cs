using System.Net;
using IPNetwork = System.Net.IPNetwork;
using Microsoft.AspNetCore.HttpOverrides;

namespace Mesh.Gateway.Policy;

/// <summary>
/// <c>Gateway:TrustedProxies</c>: addresses ("10.0.0.5") and networks ("10.0.0.0/8", "fd00::/8") of the proxies in
/// front of the edge (a load balancer, an ingress). ASP.NET Core's ForwardedHeaders middleware believes their
/// X-Forwarded-For: read from the right past every trusted hop to the first address that is not one (an entry that
/// is not an address stops the walk, trusting nothing of the list), which becomes the connection's remote address.
/// Per-IP rate limits and the X-Forwarded-For the services see then name the real client. With no trusted proxies
/// (the default) the middleware is not used at all: anyone could otherwise pick their own address.
/// </summary>
public sealed class TrustedProxies
{
    private readonly List<IPNetwork> _networks = [];

    public TrustedProxies(IEnumerable<string> entries)
    {
        foreach (var entry in entries)
        {
            var text = entry.Trim();
            if (text.Contains('/') ? IPNetwork.TryParse(text, out var network) : TryHost(text, out network))
                _networks.Add(network);
            else
                throw new InvalidOperationException($"Gateway:TrustedProxies: '{entry}' is neither an IP address nor a network (a.b.c.d/n).");
        }
    }

    public bool IsEmpty => _networks.Count == 0;

    public IReadOnlyList<IPNetwork> Networks => _networks;

    /// <summary>Only these proxies, as many hops deep as they go (the framework's defaults trust loopback and one hop).</summary>
    public void Apply(ForwardedHeadersOptions options)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
        options.ForwardLimit = null;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var network in _networks) options.KnownIPNetworks.Add(network);
    }

    private static bool TryHost(string text, out IPNetwork network)
    {
        network = default;
        if (!IPAddress.TryParse(text, out var address)) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }
}
