using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace Mesh.ServiceDefaults.Discovery;

/// <summary>
/// Turns a logical service name into the addresses to call, Aspire's way:
/// <list type="number">
/// <item><c>services:{name}:grpc:0..n</c> (env <c>services__{name}__grpc__0</c>), else</item>
/// <item><c>services:{name}:http:0..n</c>, else</item>
/// <item><c>http://{name}:{DefaultGrpcPort}</c> — the name itself, as a Kubernetes service is reached.</item>
/// </list>
/// Any address whose host is a DNS name (not an IP literal, not localhost) is then expanded to every A/AAAA
/// record of that name, which is what a headless Kubernetes service returns: one record per ready pod.
/// </summary>
public sealed class ServiceEndpointResolver
{
    /// <summary>Looks up the addresses of a host name (Dns.GetHostAddressesAsync unless a test gives another).</summary>
    public delegate Task<IPAddress[]> DnsLookup(string host, CancellationToken cancellationToken);

    private readonly IConfiguration _configuration;
    private readonly DiscoveryOptions _options;
    private readonly DnsLookup _dns;

    public ServiceEndpointResolver(IConfiguration configuration, DiscoveryOptions options, DnsLookup? dns = null)
    {
        _configuration = configuration;
        _options = options;
        _dns = dns ?? ((host, ct) => Dns.GetHostAddressesAsync(host, ct));
    }

    /// <summary>The configured addresses (or the DNS fallback), not yet expanded. Never empty.</summary>
    public IReadOnlyList<Uri> GetConfigured(string service)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        foreach (var endpointName in new[] { "grpc", "http" })
        {
            var list = ReadList(_configuration.GetSection($"services:{service}:{endpointName}"));
            if (list.Count > 0) return list;
        }
        return [new Uri($"http://{service}:{_options.DefaultGrpcPort}")];
    }

    /// <summary>The configured addresses with DNS names expanded to all their records.</summary>
    public async Task<IReadOnlyList<Uri>> ResolveAsync(string service, CancellationToken cancellationToken)
    {
        var result = new List<Uri>();
        foreach (var address in GetConfigured(service))
        {
            if (!NeedsLookup(address))
            {
                result.Add(address);
                continue;
            }
            IPAddress[] records;
            try { records = await _dns(address.Host, cancellationToken).ConfigureAwait(false); }
            catch (SocketException) { records = []; }
            if (records.Length == 0)
            {
                result.Add(address); // let the connection attempt report the failure
                continue;
            }
            foreach (var ip in records.OrderBy(r => r.AddressFamily).ThenBy(r => r.ToString(), StringComparer.Ordinal))
                result.Add(new UriBuilder(address) { Host = ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString() }.Uri);
        }
        return result;
    }

    private static bool NeedsLookup(Uri address) =>
        address.HostNameType == UriHostNameType.Dns && !address.IsLoopback;

    private static List<Uri> ReadList(IConfigurationSection section)
    {
        var list = new List<Uri>();
        if (section.Value is { Length: > 0 } single) list.Add(Parse(section.Path, single));
        foreach (var child in section.GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue))
            if (child.Value is { Length: > 0 } value) list.Add(Parse(child.Path, value));
        return list;
    }

    private static Uri Parse(string key, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new InvalidOperationException($"Configuration '{key}' = '{value}' is not an http:// or https:// address.");
}
