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
    /// Off by default since 2026-12-07: on the YARP edge it costs CPU rather than saving it (docs/performance.md §8a:
    /// 92–146 µs of edge CPU per request on, 72–92 µs off, same box, same hour); it saved one hand-off per request on
    /// the deleted hand-written gateway (section 3b). Switched on, nothing on the edge's path may block a thread: a
    /// blocked I/O thread stalls every connection it serves.
    /// </summary>
    public bool InlineScheduling { get; set; }
}
