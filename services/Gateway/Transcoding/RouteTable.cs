using Google.Api;
using Google.Protobuf.Reflection;

namespace Mesh.Gateway.Transcoding;

/// <summary>
/// Every HTTP route of every fronted service, built from the google.api.http rules of the descriptors. A request is
/// matched by path first, then by verb, so a known path with the wrong verb answers 405 (with Allow), an unknown one 404.
/// Routes are ordered most specific first: a custom verb, then literal segments before "*" before "**".
/// </summary>
public sealed class RouteTable
{
    private readonly List<HttpRoute> _routes;

    public RouteTable(IEnumerable<HttpRoute> routes)
    {
        _routes = routes.OrderBy(r => r, Specificity.Instance).ToList();
        var duplicate = _routes.GroupBy(r => $"{r.HttpMethod} {r.Template.Text}").FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two methods bind {duplicate.Key}: {string.Join(", ", duplicate.Select(r => r.Method.FullName))}.");
    }

    public IReadOnlyList<HttpRoute> Routes => _routes;

    public static RouteTable Build(GatewayServices services, ILogger? logger = null)
    {
        var routes = new List<HttpRoute>();
        foreach (var (service, backend) in services.All)
        {
            foreach (var method in service.Methods)
            {
                var rule = method.GetOptions()?.GetExtension(AnnotationsExtensions.Http);
                if (rule is null) continue;
                if (method.IsClientStreaming)
                {
                    // REST has no way to send a stream of messages: client and bidi streaming stay gRPC-only.
                    logger?.LogInformation("{Method} is client-streaming and not exposed over REST.", $"{service.FullName}/{method.Name}");
                    continue;
                }
                var gatewayMethod = new GatewayMethod(method, backend);
                routes.Add(RouteFactory.Create(gatewayMethod, rule));
                foreach (var extra in rule.AdditionalBindings)
                {
                    if (extra.AdditionalBindings.Count > 0)
                        throw new InvalidOperationException($"{gatewayMethod.FullName}: additional_bindings must not nest.");
                    routes.Add(RouteFactory.Create(gatewayMethod, extra));
                }
            }
        }
        return new RouteTable(routes);
    }

    public RouteMatch Match(string httpMethod, string rawPath)
    {
        var segments = PathMatcher.Split(rawPath);
        if (segments is null) return RouteMatch.NotFound;
        List<string>? allowed = null;
        foreach (var route in _routes)
        {
            var values = PathMatcher.Match(route.Template, segments);
            if (values is null) continue;
            if (string.Equals(route.HttpMethod, httpMethod, StringComparison.OrdinalIgnoreCase))
                return new RouteMatch(route, values, null);
            (allowed ??= []).Add(route.HttpMethod);
        }
        return allowed is null ? RouteMatch.NotFound : new RouteMatch(null, null, allowed.Distinct().ToList());
    }

    /// <summary>Orders routes so the most specific template is tried first.</summary>
    private sealed class Specificity : IComparer<HttpRoute>
    {
        public static readonly Specificity Instance = new();

        public int Compare(HttpRoute? x, HttpRoute? y)
        {
            var a = x!.Template;
            var b = y!.Template;
            var byVerb = (b.Verb is not null).CompareTo(a.Verb is not null);
            if (byVerb != 0) return byVerb;
            for (var i = 0; i < Math.Min(a.Segments.Count, b.Segments.Count); i++)
            {
                var byKind = a.Segments[i].Kind.CompareTo(b.Segments[i].Kind); // Literal < Wildcard < DeepWildcard
                if (byKind != 0) return byKind;
            }
            if (a.Segments.Count == b.Segments.Count) return 0;
            // Same prefix: a trailing "**" (which also matches nothing) loses to the exact template; otherwise longer first.
            var (longer, sign) = a.Segments.Count > b.Segments.Count ? (a, -1) : (b, 1);
            var next = longer.Segments[Math.Min(a.Segments.Count, b.Segments.Count)].Kind;
            return next == SegmentKind.DeepWildcard ? -sign : sign;
        }
    }
}

/// <summary>The outcome of matching: a route with its decoded variables, or the verbs the path does allow (405), or nothing (404).</summary>
public sealed record RouteMatch(HttpRoute? Route, string[]? Values, IReadOnlyList<string>? AllowedMethods)
{
    public static readonly RouteMatch NotFound = new(null, null, null);
}
