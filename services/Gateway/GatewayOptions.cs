namespace Mesh.Gateway;

/// <summary><c>Gateway</c> settings that are not policies of their own (those are under Gateway:Auth and Gateway:RateLimits).</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Largest request body accepted (413 beyond).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How long a unary REST call may take through the edge (504 DEADLINE_EXCEEDED beyond; the service's call is
    /// cancelled). Server streams have no timeout: a watch lasts as long as its caller stays.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Origins allowed to call from browsers (CORS). Empty: no cross-origin access.</summary>
    public List<string> CorsOrigins { get; set; } = [];

    /// <summary>
    /// Proxies in front of the edge whose X-Forwarded-For is believed (addresses or networks such as "10.0.0.0/8").
    /// Empty (the default): the header is ignored and the connection's address is the client's.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// Kestrel's <c>SocketTransportOptions.UnsafePreferInlineScheduling</c> (config <c>Gateway:InlineScheduling</c>):
    /// process what a connection reads on the socket's I/O thread instead of handing every read to the thread pool.
    /// It saves about one thread-pool hand-off per HTTP/1.1 request (docs/performance.md, section 3b). Safe here
    /// because nothing on the edge's request path blocks a thread: JwtBearer (keys fetched asynchronously), the Redis
    /// rate limit and YARP's forwarding are all asynchronous. Turn it off before adding middleware that blocks: a
    /// blocked I/O thread stalls every connection it serves.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;
}
