using System.Text.RegularExpressions;

namespace Mesh.Hosting.Dashboard.Storage;

/// <summary>
/// How a gRPC call shows in what ASP.NET Core and grpc-dotnet export. A served call is an ASP.NET Core request:
/// POST over HTTP/2 to the route "/package.Service/Method" (http.route on spans and on http.server.request.duration),
/// with grpc-dotnet's tags grpc.method ("/package.Service/Method") and grpc.status_code on the request's span only —
/// the HTTP status is 200 whatever the gRPC status. Methods a service does not implement are answered by catch-all
/// routes whose pattern carries the <c>grpcunimplemented</c> route constraint.
/// </summary>
public static partial class GrpcNames
{
    /// <summary>"package.Service/Method" from "/package.Service/Method"; null unless the path has that shape.</summary>
    public static string? FromPath(string? path) =>
        path is not null && MethodPath().Match(path) is { Success: true } m ? $"{m.Groups["service"].Value}/{m.Groups["method"].Value}" : null;

    /// <summary>
    /// The gRPC method an http.server.request.duration point (or request span) was recorded for: "package.Service/Method"
    /// for a method's own route, "package.Service/(unimplemented)" or "(unimplemented service)" for the catch-alls;
    /// null when the request was not a gRPC call.
    /// </summary>
    public static string? FromRoute(string? httpMethod, string? route, string? protocolVersion)
    {
        if (httpMethod != "POST" || route is null || (protocolVersion is not null && !protocolVersion.StartsWith('2'))) return null;
        if (IsUnimplementedRoute(route))
            return route.StartsWith('{') ? "(unimplemented service)" : $"{route[..route.IndexOf('/')]}/(unimplemented)";
        return FromPath(route);
    }

    /// <summary>True for the routes grpc-dotnet answers UNIMPLEMENTED on (an unknown method or service).</summary>
    public static bool IsUnimplementedRoute(string? route) => route?.Contains(":grpcunimplemented}", StringComparison.Ordinal) == true;

    /// <summary>True for a route that is nothing but a catch-all parameter, such as the REST edge's "/{**path}".</summary>
    public static bool IsCatchAllRoute(string route) => CatchAll().IsMatch(route);

    /// <summary>True when a gRPC status code attribute is there and not OK ("0"); its name ("OK") counts as OK too.</summary>
    public static bool IsFailure(string? statusCode) => statusCode is { Length: > 0 } && statusCode != "0" && statusCode != "OK";

    // A fully qualified service (with its package, as every mesh contract has) and a method name.
    [GeneratedRegex(@"^/(?<service>[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+)/(?<method>[A-Za-z_]\w*)$")]
    private static partial Regex MethodPath();

    [GeneratedRegex(@"^/?\{\*{1,2}[^}]*\}$")]
    private static partial Regex CatchAll();
}
