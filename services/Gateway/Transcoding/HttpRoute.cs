using Google.Protobuf.Reflection;

namespace Mesh.Gateway.Transcoding;

/// <summary>
/// One HTTP binding of a method (the rule itself or one of its additional_bindings), resolved against the
/// request and response descriptors at start-up, so a bad rule fails the start instead of a request.
/// </summary>
public sealed class HttpRoute
{
    public required string HttpMethod { get; init; }
    public required PathTemplate Template { get; init; }
    public required GatewayMethod Method { get; init; }

    /// <summary>For each template variable, the request fields along its path.</summary>
    public required FieldDescriptor[][] VariableFields { get; init; }

    /// <summary>"*" (the whole request), a top-level field name, or null (no body).</summary>
    public string? Body { get; init; }

    /// <summary>The request field the body fills when <see cref="Body"/> names one.</summary>
    public FieldDescriptor? BodyField { get; init; }

    /// <summary>The response field written as the whole HTTP response body (response_body), or null for the whole message.</summary>
    public FieldDescriptor? ResponseBodyField { get; init; }

    /// <summary>Proto paths of every field bound by the path (query parameters may not bind these).</summary>
    public required IReadOnlyList<string> PathBoundFields { get; init; }

    public override string ToString() => $"{HttpMethod} {Template} -> {Method.FullName}";
}
