using System.Collections;
using System.Diagnostics;

namespace Mesh.Gateway.Policy;

/// <summary>
/// X-Request-Id in and out: a caller's id is kept when it is sane (≤ 128 chars of [A-Za-z0-9-_.:]), otherwise the
/// trace id is used, so one id finds the request in the response, the logs (a scope), the trace (a tag) and the
/// service (the forwarded request carries it; JSON transcoding hands request headers to the method as gRPC metadata,
/// so the service reads it as x-request-id).
/// </summary>
public sealed class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string Header = "X-Request-Id";

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[Header].ToString();
        var id = IsValid(incoming) ? incoming : Activity.Current?.TraceId.ToHexString() ?? Guid.NewGuid().ToString("N");
        context.Items[Header] = id;
        // Replaces what the caller sent (kept only when sane): YARP forwards the request's headers as they are now.
        context.Request.Headers[Header] = id;
        context.Response.Headers[Header] = id;
        Activity.Current?.SetTag("http.request_id", id);
        using (logger.BeginScope(new RequestIdScope(id)))
            await next(context);
    }

    public static string? Get(HttpContext context) => context.Items[Header] as string;

    private static bool IsValid(string id)
    {
        if (id.Length is 0 or > 128) return false;
        foreach (var c in id)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.' or ':')) return false;
        return true;
    }

    /// <summary>
    /// The log scope {RequestId = id} as one small object: it is created for every request, so not a dictionary.
    /// Loggers read scopes as key/value lists; ToString is what a plain text logger prints.
    /// </summary>
    private sealed class RequestIdScope(string id) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 1;

        public KeyValuePair<string, object> this[int index] =>
            index == 0 ? new KeyValuePair<string, object>("RequestId", id) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"RequestId:{id}";
    }
}
