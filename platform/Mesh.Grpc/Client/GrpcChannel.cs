using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using Mesh.Grpc.Client.Balancing;
using Mesh.Grpc.Client.Internal;
using Mesh.Grpc.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Grpc.Client;

/// <summary>
/// A long-lived connection pool to one service: one or more endpoints behind an <see cref="IEndpointPicker"/>,
/// HTTP/2 over a single SocketsHttpHandler (h2c for http://, TLS with ALPN h2 for https://). Calls are
/// multiplexed as streams; when a connection's stream limit is reached another connection is opened.
/// Create one per service and share it; it is thread-safe.
/// </summary>
public sealed class GrpcChannel : ChannelBase, IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly bool _disposeInvoker;
    private readonly ConcurrentDictionary<(Uri Endpoint, string Path), Uri> _requestUris = new();
    private readonly CancellationTokenSource _shutdown = new();
    private int _disposed;

    private GrpcChannel(string target, IEndpointPicker picker, GrpcChannelOptions options) : base(target)
    {
        Options = options;
        Picker = picker;
        if (!MessageCompression.IsSupported(options.RequestCompression))
            throw new ArgumentException($"Unsupported request compression '{options.RequestCompression}'.", nameof(options));
        (_invoker, _disposeInvoker) = CreateInvoker(options);
        Logger = options.LoggerFactory?.CreateLogger<GrpcChannel>() ?? NullLogger<GrpcChannel>.Instance;
        MaxReceiveMessageSize = options.MaxReceiveMessageSize ?? int.MaxValue;
        MaxSendMessageSize = options.MaxSendMessageSize ?? int.MaxValue;
    }

    /// <summary>A channel to one address, e.g. "http://127.0.0.1:5000" (h2c) or "https://booking:443".</summary>
    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address ?? throw new ArgumentNullException(nameof(address))), options);

    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        options ??= new GrpcChannelOptions();
        return new GrpcChannel(address.ToString(), options.CreatePicker(new[] { address }), options);
    }

    /// <summary>A channel to several equivalent servers, balanced by <see cref="GrpcChannelOptions.LoadBalancingPolicy"/>.</summary>
    public static GrpcChannel ForAddresses(IEnumerable<Uri> addresses, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        options ??= new GrpcChannelOptions();
        var list = addresses.ToList();
        return new GrpcChannel(string.Join(",", list), options.CreatePicker(list), options);
    }

    public static GrpcChannel ForAddresses(IEnumerable<string> addresses, GrpcChannelOptions? options = null) =>
        ForAddresses(addresses.Select(a => new Uri(a)), options);

    /// <summary>
    /// A channel whose endpoints come from a picker of the caller's (service discovery, ejection, breakers…).
    /// <see cref="GrpcChannelOptions.LoadBalancingPolicy"/> is not used.
    /// </summary>
    public static GrpcChannel ForPicker(IEndpointPicker picker, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(picker);
        return new GrpcChannel(string.Join(",", picker.Endpoints), picker, options ?? new GrpcChannelOptions());
    }

    public GrpcChannelOptions Options { get; }

    /// <summary>Chooses the endpoint of every call attempt.</summary>
    public IEndpointPicker Picker { get; }

    internal HttpMessageInvoker HttpInvoker => _invoker;
    internal ILogger Logger { get; }
    internal int MaxReceiveMessageSize { get; }
    internal int MaxSendMessageSize { get; }

    /// <summary>Cancelled when the channel is disposed: every running call ends with CANCELLED.</summary>
    internal CancellationToken ShutdownToken => _shutdown.Token;

    public override CallInvoker CreateCallInvoker()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return new HttpClientCallInvoker(this);
    }

    /// <summary>The :path URI of a method on an endpoint; cached because building a Uri parses the string.</summary>
    internal Uri GetRequestUri(Uri endpoint, string methodPath) =>
        _requestUris.GetOrAdd((endpoint, methodPath), static key =>
            new Uri(key.Endpoint.AbsoluteUri.TrimEnd('/') + key.Path, UriKind.Absolute));

    public override Task ShutdownAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _shutdown.Cancel();
        if (_disposeInvoker) _invoker.Dispose();
        _shutdown.Dispose();
    }

    private static (HttpMessageInvoker Invoker, bool Dispose) CreateInvoker(GrpcChannelOptions options)
    {
        if (options.HttpClient is not null && options.HttpHandler is not null)
            throw new ArgumentException("Set HttpClient or HttpHandler, not both.", nameof(options));
        if (options.HttpClient is not null) return (options.HttpClient, options.DisposeHttpClient);
        if (options.HttpHandler is not null) return (new HttpMessageInvoker(options.HttpHandler, options.DisposeHttpClient), true);
        return (new HttpMessageInvoker(CreateDefaultHandler(options), disposeHandler: true), true);
    }

    /// <summary>
    /// The handler gRPC wants: HTTP/2 only, several connections once one is full of streams, no HTTP-level
    /// decompression or cookies (gRPC does its own per-message compression), connections kept while idle.
    /// </summary>
    private static SocketsHttpHandler CreateDefaultHandler(GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = options.ConnectTimeout,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = options.KeepAlivePingPolicy,
        };
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            // ALPN "h2": a TLS server picks HTTP/2 for us (RequestVersionExact refuses anything else).
            ApplicationProtocols = new List<SslApplicationProtocol> { SslApplicationProtocol.Http2 },
            RemoteCertificateValidationCallback = options.RemoteCertificateValidationCallback,
        };
        return handler;
    }
}
