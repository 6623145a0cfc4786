using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace Mesh.ServiceDefaults.Hosting;

/// <summary>
/// The two endpoints every service listens on, from configuration (see README.md). When the app host
/// (or Aspire) gives Kestrel's own endpoint settings — <c>Kestrel:Endpoints:grpc:Url</c> and
/// <c>Kestrel:Endpoints:http:Url</c> (with their Protocols) — Kestrel binds them itself and this class
/// only learns their ports. Otherwise:
/// <c>GRPC_PORT</c> — gRPC over HTTP/2 cleartext (prior knowledge), and
/// <c>HTTP_PORT</c> — HTTP/1.1 for /health and /alive (probes and people speak HTTP/1.1),
/// both bound to <c>BIND_ADDRESS</c> (127.0.0.1 unless told otherwise; 0.0.0.0 in a container).
/// Port 0 asks for any free port; read the bound one from <see cref="GrpcPort"/>/<see cref="HttpPort"/> after start.
/// </summary>
public sealed class ServiceEndpoints
{
    public const string GrpcPortKey = "GRPC_PORT";
    public const string HttpPortKey = "HTTP_PORT";
    public const string BindAddressKey = "BIND_ADDRESS";
    public const int DefaultGrpcPort = 8081;
    public const int DefaultHttpPort = 8080;

    private ListenOptions? _grpc;
    private ListenOptions? _http;

    public const string KestrelGrpcUrlKey = "Kestrel:Endpoints:grpc:Url";
    public const string KestrelHttpUrlKey = "Kestrel:Endpoints:http:Url";

    public ServiceEndpoints(IConfiguration configuration)
    {
        var grpcUrl = configuration[KestrelGrpcUrlKey];
        var httpUrl = configuration[KestrelHttpUrlKey];
        if (!string.IsNullOrEmpty(grpcUrl) && !string.IsNullOrEmpty(httpUrl))
        {
            FromKestrelConfiguration = true;
            var grpc = ParseUrl(KestrelGrpcUrlKey, grpcUrl);
            var http = ParseUrl(KestrelHttpUrlKey, httpUrl);
            BindAddress = IPAddress.TryParse(grpc.Host, out var address) ? address : IPAddress.Loopback;
            ConfiguredGrpcPort = grpc.Port;
            ConfiguredHttpPort = http.Port;
            return;
        }
        BindAddress = IPAddress.Parse(configuration[BindAddressKey] is { Length: > 0 } a ? a : "127.0.0.1");
        ConfiguredGrpcPort = ReadPort(configuration, GrpcPortKey, DefaultGrpcPort);
        ConfiguredHttpPort = ReadPort(configuration, HttpPortKey, DefaultHttpPort);
    }

    /// <summary>True when Kestrel binds the endpoints from its own configuration section.</summary>
    public bool FromKestrelConfiguration { get; }

    public IPAddress BindAddress { get; }
    public int ConfiguredGrpcPort { get; }
    public int ConfiguredHttpPort { get; }

    /// <summary>The port the grpc endpoint is bound to (the real one once Kestrel has started).</summary>
    public int GrpcPort => (_grpc?.IPEndPoint?.Port) ?? ConfiguredGrpcPort;

    /// <summary>The port the http endpoint is bound to (the real one once Kestrel has started).</summary>
    public int HttpPort => (_http?.IPEndPoint?.Port) ?? ConfiguredHttpPort;

    public Uri GrpcAddress => new($"http://{Host}:{GrpcPort}");
    public Uri HttpAddress => new($"http://{Host}:{HttpPort}");

    private string Host => BindAddress.Equals(IPAddress.Any) ? "127.0.0.1"
        : BindAddress.Equals(IPAddress.IPv6Any) ? "[::1]"
        : BindAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{BindAddress}]" : BindAddress.ToString();

    /// <summary>Adds both listeners to Kestrel. Kestrel writes the bound port back into the ListenOptions.</summary>
    internal void Listen(KestrelServerOptions kestrel)
    {
        if (FromKestrelConfiguration) return; // Kestrel binds Kestrel:Endpoints itself; binding again would collide.
        kestrel.Listen(BindAddress, ConfiguredGrpcPort, o => { o.Protocols = HttpProtocols.Http2; _grpc = o; });
        kestrel.Listen(BindAddress, ConfiguredHttpPort, o => { o.Protocols = HttpProtocols.Http1; _http = o; });
    }

    /// <summary>True when a request arrived on the http endpoint (or when the endpoints are not ours to know).</summary>
    internal bool IsHttpEndpoint(int localPort) => FromKestrelConfiguration ? localPort == ConfiguredHttpPort : _http is null || localPort == HttpPort;

    private static Uri ParseUrl(string key, string text) =>
        Uri.TryCreate(text.Replace("://*:", "://0.0.0.0:").Replace("://+:", "://0.0.0.0:"), UriKind.Absolute, out var uri) && uri.Port > 0
            ? uri
            : throw new InvalidOperationException($"{key}='{text}' is not a URL with a port, such as http://127.0.0.1:5001.");

    private static int ReadPort(IConfiguration configuration, string key, int fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrEmpty(text)) return fallback;
        if (!int.TryParse(text, out var port) || port is < 0 or > 65535)
            throw new InvalidOperationException($"{key}='{text}' is not a port number (0-65535; 0 picks a free port).");
        return port;
    }
}
