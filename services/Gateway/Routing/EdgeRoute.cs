using Google.Protobuf.Reflection;

namespace Mesh.Gateway.Routing;

/// <summary>What a request must carry for a route, so the edge can refuse a wrong one before the service reads it.</summary>
public enum RequestBodyKind
{
    /// <summary>The rule has no body: everything comes from the path and the query string.</summary>
    None,

    /// <summary>The body is proto3 JSON (application/json or +json).</summary>
    Json,

    /// <summary>The body is a google.api.HttpBody: any media type, passed through as bytes.</summary>
    Raw,
}

/// <summary>
/// One REST route of the edge: one google.api.http rule (or one of its additional_bindings) of a method of a fronted
/// service, with the ASP.NET Core route pattern YARP matches it by. It is also the endpoint's metadata, so every
/// policy step reads the route of the request from <c>context.GetEndpoint()</c>.
/// </summary>
public sealed class EdgeRoute
{
    /// <summary>YARP's route id: "pkg.Service/Method", plus "#N" for the N-th additional binding.</summary>
    public required string Id { get; init; }

    public required string HttpMethod { get; init; }

    /// <summary>The rule's path template as the contract writes it ("/v1/{name=shelves/*}/books").</summary>
    public required string Template { get; init; }

    /// <summary>The same path as an ASP.NET Core route pattern ("/v1/shelves/{name}/books").</summary>
    public required string Pattern { get; init; }

    public required MethodDescriptor Method { get; init; }

    /// <summary>The logical service name the route's cluster is discovered under (<c>http://_http.{Backend}</c>).</summary>
    public required string Backend { get; init; }

    /// <summary>Callers need no token (proto option mesh.api.v1.public, or Gateway:Auth:PublicMethods).</summary>
    public required bool IsPublic { get; init; }

    public required RequestBodyKind Body { get; init; }

    /// <summary>"pkg.Service/Method": the name configuration uses for the method (rate limits, public methods).</summary>
    public string FullMethodName => $"{Method.Service.FullName}/{Method.Name}";

    /// <summary>A server stream: no timeout, and Server-Sent Events for callers that accept them.</summary>
    public bool IsServerStreaming => Method.IsServerStreaming;

    public override string ToString() => $"{HttpMethod} {Template} -> {FullMethodName}";
}
