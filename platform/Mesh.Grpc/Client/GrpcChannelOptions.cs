using System.Net.Http;
using System.Net.Security;
using Mesh.Grpc.Client.Balancing;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Client;

/// <summary>Settings of a <see cref="GrpcChannel"/> (mirrors Grpc.Net.Client's GrpcChannelOptions).</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>
    /// A handler to send requests with instead of the channel's own SocketsHttpHandler (for tests, TLS client
    /// certificates, a custom RemoteCertificateValidationCallback, …). It must speak HTTP/2.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>An HttpClient to send with (its Timeout applies to whole calls: set it to infinite for streams).</summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/>/<see cref="HttpClient"/> given here.</summary>
    public bool DisposeHttpClient { get; set; }

    /// <summary>Largest response message accepted (RESOURCE_EXHAUSTED beyond it); null for no limit. Default 4 MB.</summary>
    public int? MaxReceiveMessageSize { get; set; } = Mesh.Grpc.Wire.GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest request message sent (RESOURCE_EXHAUSTED beyond it); null for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Compression for request messages when a call does not choose: null/"identity", "gzip" or "deflate".</summary>
    public string? RequestCompression { get; set; }

    /// <summary>"pick_first" (default) or "round_robin"; used when the channel builds its own endpoint picker.</summary>
    public string LoadBalancingPolicy { get; set; } = Balancing.LoadBalancingPolicy.PickFirst;

    /// <summary>How long round_robin skips an endpoint it could not connect to before trying it again.</summary>
    public TimeSpan EndpointRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Validates the server certificate on https:// addresses (only for the channel's own handler).</summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidationCallback { get; set; }

    /// <summary>Gives up connecting to an endpoint after this long (the call then fails over or is UNAVAILABLE).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Idle time after which an HTTP/2 PING checks the connection; infinite (default) sends none.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>How long a keep-alive PING may go unanswered before the connection is closed.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Whether keep-alive PINGs are sent always or only while calls are active.</summary>
    public HttpKeepAlivePingPolicy KeepAlivePingPolicy { get; set; } = HttpKeepAlivePingPolicy.WithActiveRequests;

    public ILoggerFactory? LoggerFactory { get; set; }

    internal IEndpointPicker CreatePicker(IEnumerable<Uri> endpoints) => LoadBalancingPolicy switch
    {
        Balancing.LoadBalancingPolicy.RoundRobin => new RoundRobinPicker(endpoints, EndpointRetryDelay),
        _ => Balancing.LoadBalancingPolicy.CreatePicker(LoadBalancingPolicy, endpoints),
    };
}
