using Aspire.Hosting.ApplicationModel;
using Mesh.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Hosting.Local;

/// <summary>Debian's Redis server as an executable resource; its connection string is StackExchange.Redis's host:port.</summary>
public sealed class LocalRedisResource(string name, string workingDirectory)
    : ExecutableResource(name, "/usr/bin/redis-server", workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";
    private EndpointReference? _endpoint;

    public EndpointReference PrimaryEndpoint => _endpoint ??= new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

public static class LocalRedisExtensions
{
    /// <summary>
    /// Redis as a process on 127.0.0.1 with an append-only file in <c>{Mesh:Data}/{name}</c> (data survives a restart);
    /// SIGTERM makes it flush and exit. Shaped like Aspire's <c>AddRedis</c>.
    /// </summary>
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var dataDirectory = Path.Combine(LocalServers.DataRoot(builder), name);
        var resource = new LocalRedisResource(name, dataDirectory);
        var p = port ?? LocalServers.FreePort();
        var healthKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthKey, async ct =>
        {
            try
            {
                return await RedisServer.PingAsync(p, ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no +PONG");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        });
        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            DataDirectories.Create(name, dataDirectory);
            return Task.CompletedTask;
        });

        return builder.AddResource(resource)
            .WithEndpoint(port: p, targetPort: p, name: LocalRedisResource.EndpointName, isProxied: false)
            .WithArgs("--port", p.ToString(), "--bind", "127.0.0.1", "--dir", dataDirectory, "--daemonize", "no",
                      "--logfile", "", "--protected-mode", "yes", "--save", "60 1", "--appendonly", "yes")
            .WithHealthCheck(healthKey);
    }
}
