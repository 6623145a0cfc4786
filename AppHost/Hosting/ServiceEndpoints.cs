using Aspire.Hosting.ApplicationModel;

namespace Mesh.Hosting.Local;

public static class ServiceEndpointExtensions
{
    /// <summary>
    /// The two endpoints every mesh service has (ARCHITECTURE.md): <c>grpc</c> (HTTP/2 cleartext) and <c>http</c>
    /// (HTTP/1.1: REST by transcoding, /health, /alive). Kestrel gets them as <c>Kestrel:Endpoints:{name}:Url</c> and
    /// <c>…:Protocols</c> — Aspire's own ASPNETCORE_URLS carries no protocol, and h2c needs an HTTP/2-only listener.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithServiceEndpoints(this IResourceBuilder<ProjectResource> project) =>
        project
            .WithHttpEndpoint(name: "grpc").WithEndpoint("grpc", e => e.Transport = "http2")
            .WithHttpEndpoint(name: "http")
            .WithKestrelEndpoint("grpc", "Http2")
            .WithKestrelEndpoint("http", "Http1")
            .WithReadinessProbe();

    /// <summary>The REST edge's single endpoint: HTTP/1.1 and HTTP/2, on <paramref name="port"/> (null: any).</summary>
    public static IResourceBuilder<ProjectResource> WithEdgeEndpoint(this IResourceBuilder<ProjectResource> project, int? port) =>
        project.WithHttpEndpoint(port: port, name: "http").WithKestrelEndpoint("http", "Http1AndHttp2").WithReadinessProbe();

    /// <summary>
    /// Healthy in the app model means the service's own readiness answer, <c>/health</c> on its http endpoint, is 200:
    /// started (migrations run, listeners bound) with its database, cache and broker reachable. Without it "healthy"
    /// meant only "the process runs", so <c>WaitFor</c>, the dashboard and the tests' start-up let callers in while a
    /// service was still starting.
    /// </summary>
    private static IResourceBuilder<ProjectResource> WithReadinessProbe(this IResourceBuilder<ProjectResource> project) =>
        project.WithHttpHealthCheck("/health", endpointName: "http");

    /// <summary>Tells Kestrel to bind an endpoint's target port on loopback with the given protocols.</summary>
    public static IResourceBuilder<ProjectResource> WithKestrelEndpoint(this IResourceBuilder<ProjectResource> project, string name, string protocols)
    {
        var endpoint = project.GetEndpoint(name);
        return project.WithEnvironment(context =>
        {
            context.EnvironmentVariables[$"Kestrel__Endpoints__{name}__Url"] =
                ReferenceExpression.Create($"http://127.0.0.1:{endpoint.Property(EndpointProperty.TargetPort)}");
            context.EnvironmentVariables[$"Kestrel__Endpoints__{name}__Protocols"] = protocols;
        });
    }
}
