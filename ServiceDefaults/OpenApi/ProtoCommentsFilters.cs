using Google.Protobuf;
using Google.Protobuf.Reflection;
using Mesh.ServiceDefaults.Rest;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Mesh.ServiceDefaults.OpenApi;

/// <summary>
/// Proto comments (<see cref="ProtoComments"/>) as the document's descriptions: an operation's summary is its method's
/// comment and each path or query parameter is described by its field's; a schema by its message's or enum's comment
/// and each property by its field's; a tag (one per proto service) by the service's comment. Grpc.Swagger's own
/// IncludeGrpcXmlComments is built against Swashbuckle 6 (Microsoft.OpenApi 1.x) and fails to load on Swashbuckle 10.
/// </summary>
public sealed class ProtoCommentsFilters : IOperationFilter, ISchemaFilter, IDocumentFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<GrpcJsonTranscodingMetadata>().FirstOrDefault() is not { } metadata) return;
        var method = metadata.MethodDescriptor;
        operation.Summary ??= ProtoComments.OfMethod(method);
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (parameter.Description is not null || parameter.Name is null) continue;
            if (FieldPaths.Resolve(method.InputType, parameter.Name) is { } fields) parameter.Description = ProtoComments.OfField(fields[^1]);
        }
    }

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema concrete) return;
        concrete.Description ??= ProtoComments.OfType(context.Type);
        if (!typeof(IMessage).IsAssignableFrom(context.Type) || concrete.Properties is null) return;
        if (context.Type.GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetValue(null) is not MessageDescriptor message) return;
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            // A property that is a reference takes its description from the referenced schema.
            if (concrete.Properties.TryGetValue(field.JsonName, out var property) && property is OpenApiSchema inline)
                inline.Description ??= ProtoComments.OfField(field);
        }
    }

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var services = context.ApiDescriptions
            .SelectMany(api => api.ActionDescriptor.EndpointMetadata.OfType<GrpcJsonTranscodingMetadata>())
            .Select(m => m.MethodDescriptor.Service)
            .DistinctBy(s => s.FullName);
        foreach (var service in services)
        {
            if (ProtoComments.OfService(service) is not { } description) continue;
            document.Tags ??= new HashSet<OpenApiTag>();
            if (document.Tags.FirstOrDefault(t => t.Name == service.Name) is { } tag) tag.Description ??= description;
            else document.Tags.Add(new OpenApiTag { Name = service.Name, Description = description });
        }
    }
}
