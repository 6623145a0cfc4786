using System.Net;

namespace Mesh.Gateway.Policy;

/// <summary>
/// The caller's address when the edge sits behind proxies of its own (a load balancer, an ingress): only when the
/// connection comes from a proxy listed in <c>Gateway:TrustedProxies</c> is X-Forwarded-For believed, read from the
/// right (the entry the nearest proxy appended) past every trusted proxy to the first address that is not one.
/// That address becomes the connection's remote address, so per-IP rate limits and the x-forwarded-for metadata
/// sent to the services see the real client. With no trusted proxies (the default) the header is ignored: anyone
/// could otherwise pick their own address and escape a per-IP limit.
/// </summary>
public sealed class ForwardedClientMiddleware(RequestDelegate next, TrustedProxies proxies)
{
    public const string Header = "X-Forwarded-For";

    public Task InvokeAsync(HttpContext context)
    {
        if (!proxies.IsEmpty && context.Connection.RemoteIpAddress is { } peer && proxies.Contains(peer)
            && context.Request.Headers[Header] is { Count: > 0 } forwarded
            && ClientFrom(forwarded, proxies) is { } client)
            context.Connection.RemoteIpAddress = client;
        return next(context);
    }

    /// <summary>The first untrusted address from the right; the leftmost one if every hop is trusted; null if an entry is not an address.</summary>
    public static IPAddress? ClientFrom(IEnumerable<string?> headerValues, TrustedProxies proxies)
    {
        // Several header lines are one list in order (RFC 9110 5.3).
        var entries = headerValues.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries)).ToList();
        IPAddress? leftmost = null;
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            // Some proxies write the client's port too ("203.0.113.7:5678", "[2001:db8::1]:443").
            if (!IPAddress.TryParse(entries[i], out var address))
            {
                if (!IPEndPoint.TryParse(entries[i], out var endpoint)) return null; // a forged or broken list: trust none of it
                address = endpoint.Address;
            }
            address = Normalize(address);
            if (!proxies.Contains(address)) return address;
            leftmost = address;
        }
        return leftmost;
    }

    internal static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

/// <summary><c>Gateway:TrustedProxies</c>: addresses ("10.0.0.5") and networks ("10.0.0.0/8", "fd00::/8").</summary>
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

    public bool Contains(IPAddress address)
    {
        address = ForwardedClientMiddleware.Normalize(address);
        foreach (var network in _networks)
            if (network.Contains(address)) return true;
        return false;
    }

    private static bool TryHost(string text, out IPNetwork network)
    {
        network = default;
        if (!IPAddress.TryParse(text, out var address)) return false;
        address = ForwardedClientMiddleware.Normalize(address);
        network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }
}
