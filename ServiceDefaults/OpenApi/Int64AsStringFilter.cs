using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Mesh.ServiceDefaults.OpenApi;

/// <summary>
/// Describes 64-bit integers as the REST routes write them: strings of digits (<c>type: string, format: int64</c>),
/// because the transcoder writes int64 as strings (a JavaScript number loses precision past 2^53). Applied to every
/// schema of the document — components, parameters, request and response bodies, and what they nest.
/// </summary>
public sealed class Int64AsStringFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var seen = new HashSet<IOpenApiSchema>(ReferenceEqualityComparer.Instance);
        foreach (var schema in document.Components?.Schemas?.Values ?? []) Visit(schema, seen);
        foreach (var operation in document.Paths.Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
        {
            foreach (var parameter in operation.Parameters ?? []) Visit(parameter.Schema, seen);
            foreach (var media in operation.RequestBody?.Content?.Values ?? []) Visit(media.Schema, seen);
            foreach (var media in (operation.Responses?.Values ?? Enumerable.Empty<IOpenApiResponse>()).SelectMany(r => r.Content?.Values ?? []))
                Visit(media.Schema, seen);
        }
    }

    private static void Visit(IOpenApiSchema? schema, HashSet<IOpenApiSchema> seen)
    {
        // A reference points at a component schema, which is visited on its own.
        if (schema is not OpenApiSchema concrete || !seen.Add(concrete)) return;
        if (concrete.Type is { } type && type.HasFlag(JsonSchemaType.Integer) && concrete.Format is "int64" or "uint64")
            concrete.Type = (type & ~JsonSchemaType.Integer) | JsonSchemaType.String;
        Visit(concrete.Items, seen);
        Visit(concrete.AdditionalProperties, seen);
        foreach (var property in concrete.Properties?.Values ?? []) Visit(property, seen);
        foreach (var part in (concrete.AllOf ?? []).Concat(concrete.OneOf ?? []).Concat(concrete.AnyOf ?? [])) Visit(part, seen);
    }
}
