namespace Mesh.Gateway.Policy;

/// <summary>
/// What travels from the HTTP request to the backend as gRPC metadata: the Idempotency-Key (so retries and the
/// service's own dedupe can use it), the request id, the caller's bearer token (services authorize on it) and the caller's IP (x-forwarded-for).
/// Nothing else from the outside is forwarded.
/// </summary>
public static class CallMetadata
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static Metadata Build(HttpContext context)
    {
        var metadata = new Metadata();
        var key = context.Request.Headers[IdempotencyKeyHeader].ToString();
        if (key.Length > 0)
        {
            if (key.Length > 255 || key.Any(c => c is < (char)0x21 or > (char)0x7E))
                throw Transcoding.GatewayException.BadField(IdempotencyKeyHeader, "must be 1-255 visible ASCII characters");
            metadata.Add("idempotency-key", key);
        }
        if (RequestIdMiddleware.Get(context) is { } id) metadata.Add("x-request-id", id);
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length > 0) metadata.Add("authorization", authorization);
        // The caller's address: the connection's, or the forwarded one behind a trusted proxy (ForwardedClientMiddleware),
        // never one a client could pick itself. Per-IP limits behind the edge need it.
        if (context.Connection.RemoteIpAddress is { } ip) metadata.Add("x-forwarded-for", ip.ToString());
        return metadata;
    }
}
