namespace Mesh.Grpc;

/// <summary>Everything a service method knows about the call it is serving.</summary>
public abstract class ServerCallContext
{
    private Dictionary<object, object>? _userState;

    /// <summary>The full method name, "/package.Service/Method".</summary>
    public string Method => MethodCore;
    public string Host => HostCore;

    /// <summary>The peer address in gRPC's form, e.g. "ipv4:127.0.0.1:5000".</summary>
    public string Peer => PeerCore;

    /// <summary>When the client gives up (from grpc-timeout); DateTime.MaxValue if none.</summary>
    public DateTime Deadline => DeadlineCore;

    public Metadata RequestHeaders => RequestHeadersCore;

    /// <summary>Fires when the client cancels, the deadline passes or the server shuts down.</summary>
    public CancellationToken CancellationToken => CancellationTokenCore;

    public Metadata ResponseTrailers => ResponseTrailersCore;

    /// <summary>The status the call ends with if the method returns normally (set it to end with another).</summary>
    public Status Status
    {
        get => StatusCore;
        set => StatusCore = value;
    }

    public WriteOptions? WriteOptions
    {
        get => WriteOptionsCore;
        set => WriteOptionsCore = value;
    }

    /// <summary>Arbitrary per-call state for interceptors and handlers.</summary>
    public IDictionary<object, object> UserState => _userState ??= new Dictionary<object, object>();

    /// <summary>Sends response headers now (otherwise they go with the first message or the trailers).</summary>
    public Task WriteResponseHeadersAsync(Metadata responseHeaders) => WriteResponseHeadersAsyncCore(responseHeaders);

    protected abstract string MethodCore { get; }
    protected abstract string HostCore { get; }
    protected abstract string PeerCore { get; }
    protected abstract DateTime DeadlineCore { get; }
    protected abstract Metadata RequestHeadersCore { get; }
    protected abstract CancellationToken CancellationTokenCore { get; }
    protected abstract Metadata ResponseTrailersCore { get; }
    protected abstract Status StatusCore { get; set; }
    protected abstract WriteOptions? WriteOptionsCore { get; set; }
    protected abstract Task WriteResponseHeadersAsyncCore(Metadata responseHeaders);
}
