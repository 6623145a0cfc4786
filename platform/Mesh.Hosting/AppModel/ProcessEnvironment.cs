namespace Mesh.Hosting;

/// <summary>
/// The environment one replica of a process receives, in Aspire's names and formats, so a service reads
/// its configuration the same way under this host, under Aspire and in Kubernetes.
/// </summary>
public static class ProcessEnvironment
{
    /// <summary>
    /// Builds the environment for replica <paramref name="replica"/>. <paramref name="ports"/> gives the port of
    /// every endpoint of every replica: (resource, endpoint, replica) → port.
    /// </summary>
    public static IReadOnlyDictionary<string, string> For(ProcessResource resource, int replica,
        Func<ProcessResource, EndpointDefinition, int, int> ports, string? otlpEndpoint)
    {
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            // Structured console logs and no colour codes in captured output.
            ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false",
            ["OTEL_SERVICE_NAME"] = resource.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={ReplicaName(resource, replica)}",
        };
        if (otlpEndpoint is not null)
        {
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
            env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            // Aspire shortens the batch delays so the dashboard shows telemetry within a second.
            env["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
            env["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
            env["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
        }

        // The process's own endpoints: Kestrel reads Kestrel:Endpoints:<name>:{Url,Protocols} natively.
        foreach (var endpoint in resource.Endpoints)
        {
            var port = ports(resource, endpoint, replica);
            env[$"Kestrel__Endpoints__{endpoint.Name}__Url"] = $"{endpoint.Scheme}://127.0.0.1:{port}";
            env[$"Kestrel__Endpoints__{endpoint.Name}__Protocols"] = endpoint.Protocol switch
            {
                EndpointProtocol.Http1 => "Http1",
                EndpointProtocol.Http2 => "Http2",
                _ => "Http1AndHttp2",
            };
            if (endpoint.Name == "http") env["HTTP_PORTS"] = port.ToString();
        }

        foreach (var reference in resource.References)
        {
            switch (reference)
            {
                case IResourceWithConnectionString cs:
                    env[$"ConnectionStrings__{cs.Name}"] = cs.GetConnectionString();
                    break;
                case ProcessResource service:
                    foreach (var endpoint in service.Endpoints)
                        for (var i = 0; i < service.Replicas; i++)
                            env[$"services__{service.Name}__{endpoint.Name}__{i}"] = $"{endpoint.Scheme}://localhost:{ports(service, endpoint, i)}";
                    break;
            }
        }

        foreach (var (key, value) in resource.Environment) env[key] = value;
        return env;
    }

    /// <summary>"booking" for a single replica, "booking-0", "booking-1", … for several.</summary>
    public static string ReplicaName(ProcessResource resource, int replica) =>
        resource.Replicas == 1 ? resource.Name : $"{resource.Name}-{replica}";
}
