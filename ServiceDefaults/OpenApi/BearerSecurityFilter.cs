using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Mesh.ServiceDefaults.OpenApi;

/// <summary>
/// Marks every operation as needing the <c>bearer</c> security scheme (a JWT from the users service) unless its
/// method is public (<see cref="PublicMethods"/>): the split the REST edge enforces, written into the document.
/// </summary>
public sealed class BearerSecurityFilter : IOperationFilter
{
    public const string SchemeName = "bearer";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<GrpcJsonTranscodingMetadata>().FirstOrDefault();
        if (metadata is null || PublicMethods.IsPublic(metadata.MethodDescriptor)) return;
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] });
    }
}
