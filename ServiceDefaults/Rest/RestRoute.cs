using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Google.Api;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;

namespace Mesh.ServiceDefaults.Rest;

/// <summary>
/// What a transcoded endpoint binds from where, read once from its <see cref="GrpcJsonTranscodingMetadata"/>
/// (the method and the http rule, or additional binding, it was built from): the request message, the body
/// (<c>"*"</c>, one field, or none) and the fields the URL path binds.
/// </summary>
public sealed partial class RestRoute
{
    private RestRoute(MethodDescriptor method, HttpRule rule)
    {
        Method = method;
        Request = method.InputType;
        Body = rule.Body is { Length: > 0 } body ? body : null;
        if (Body is { } name && name != "*")
            BodyField = Request.FindFieldByName(name)
                ?? throw new InvalidOperationException($"{method.FullName}: the http rule's body '{name}' is not a field of {Request.FullName}.");
        PathBoundFields = [.. Variables().Matches(PathOf(rule)).Select(m => m.Groups["field"].Value)];
        // Only a variable of another type than string has a value to check (a string's NUL is the interceptor's).
        TypedPathVariables = [.. PathBoundFields
            .Select(path => (Path: path, Fields: FieldPaths.Resolve(Request, path)))
            .Where(v => v.Fields is { } fields && fields[^1].FieldType != FieldType.String)
            .Select(v => (v.Path, v.Fields![^1]))];
    }

    public static RestRoute From(GrpcJsonTranscodingMetadata metadata) => new(metadata.MethodDescriptor, metadata.HttpRule);

    public MethodDescriptor Method { get; }
    public MessageDescriptor Request { get; }

    /// <summary>"*" (the whole request), a top-level field name, or null (no body).</summary>
    public string? Body { get; }

    /// <summary>The request field the body fills when <see cref="Body"/> names one.</summary>
    public FieldDescriptor? BodyField { get; }

    /// <summary>True when the body is the whole request: the transcoder then binds nothing from the query string.</summary>
    public bool BodyIsWholeRequest => Body == "*";

    /// <summary>Proto paths of every field the URL path binds ("id", "book.name").</summary>
    public IReadOnlyList<string> PathBoundFields { get; }

    /// <summary>The path variables whose field is not a string, with that field: the ones whose text must parse.</summary>
    public IReadOnlyList<(string Path, FieldDescriptor Field)> TypedPathVariables { get; }

    /// <summary>
    /// What a query parameter binds, as the client spelled it ("pageSize", "page_size", "inner.deeper.b"), resolved
    /// once per spelling: the fields along its path and its proto path. Null (and not remembered) for an unknown one.
    /// </summary>
    public QueryBinding? ResolveQuery(string key)
    {
        if (_queryBindings.TryGetValue(key, out var known)) return known;
        if (FieldPaths.Resolve(Request, key) is not { } fields) return null;
        var binding = new QueryBinding(fields, FieldPaths.ProtoPath(fields));
        // Bounded by the request type's field paths in their two spellings: unknown keys are never added.
        _queryBindings.TryAdd(key, binding);
        return binding;
    }

    private readonly ConcurrentDictionary<string, QueryBinding> _queryBindings = new(StringComparer.Ordinal);

    private static string PathOf(HttpRule rule) => rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Get => rule.Get,
        HttpRule.PatternOneofCase.Put => rule.Put,
        HttpRule.PatternOneofCase.Post => rule.Post,
        HttpRule.PatternOneofCase.Delete => rule.Delete,
        HttpRule.PatternOneofCase.Patch => rule.Patch,
        HttpRule.PatternOneofCase.Custom => rule.Custom.Path,
        _ => "",
    };

    /// <summary>A template variable: "{id}" or "{name=shelves/*}"; the field path is before the '='.</summary>
    [GeneratedRegex(@"\{(?<field>[^}=]+)(=[^}]*)?\}")]
    private static partial Regex Variables();
}

/// <summary>The fields a query parameter's dotted name leads through, and its path in proto names.</summary>
public sealed record QueryBinding(FieldDescriptor[] Fields, string ProtoPath);
