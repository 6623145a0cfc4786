using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;

namespace Mesh.ServiceDefaults.OpenApi;

/// <summary>
/// The OpenAPI document of a service's REST routes (its <c>google.api.http</c> rules, served by the JSON
/// transcoding), built by Microsoft.AspNetCore.Grpc.Swagger on Swashbuckle and served at
/// <see cref="DocumentPath"/> on the <c>http</c> endpoint. The REST edge fetches every service's document and
/// merges them into one, so schema ids are full proto names (<see cref="ProtoSchemaIds"/>), every operation that
/// needs a token says so (<see cref="BearerSecurityFilter"/>), and only transcoded routes are listed (not /health).
/// </summary>
public static class RestOpenApi
{
    /// <summary>The document name in <see cref="DocumentPath"/>.</summary>
    public const string DocumentName = "v1";

    /// <summary>Where each service serves its document (the edge fetches it from here).</summary>
    public const string DocumentPath = "/openapi/v1.json";

    public static IHostApplicationBuilder AddRestOpenApi(this IHostApplicationBuilder builder)
    {
        var title = builder.Environment.ApplicationName;
        builder.Services.AddGrpcSwagger();
        builder.Services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc(DocumentName, new OpenApiInfo { Title = title, Version = DocumentName });
            o.DocInclusionPredicate((_, api) => api.ActionDescriptor.EndpointMetadata.OfType<GrpcJsonTranscodingMetadata>().Any());
            o.CustomSchemaIds(ProtoSchemaIds.For);
            o.AddSecurityDefinition(BearerSecurityFilter.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "An access token from POST /v1/sessions (the users service).",
            });
            o.OperationFilter<BearerSecurityFilter>();
            o.DocumentFilter<Int64AsStringFilter>();
            o.OperationFilter<ProtoCommentsFilters>();
            o.SchemaFilter<ProtoCommentsFilters>();
            o.DocumentFilter<ProtoCommentsFilters>();
            // google.protobuf.Value, Struct and ListValue are any JSON value, object and array — not their C# classes.
            o.MapType<Value>(() => new OpenApiSchema { Description = "Any JSON value." });
            o.MapType<Struct>(() => new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalPropertiesAllowed = true });
            o.MapType<ListValue>(() => new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema() });
            // Timestamps and durations are strings in their proto3 JSON forms.
            o.MapType<Timestamp>(() => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" });
            o.MapType<Duration>(() => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = @"^-?[0-9]+(\.[0-9]{1,9})?s$", Description = "Seconds with an 's' suffix, e.g. 1.5s." });
        });
        return builder;
    }

    /// <summary>GET <see cref="DocumentPath"/> on the http endpoint only (the grpc endpoint answers 404).</summary>
    public static WebApplication MapRestOpenApi(this WebApplication app)
    {
        app.MapSwagger("/openapi/{documentName}.json").Add(HttpEndpointOnly.Apply(app.Services));
        return app;
    }
}
