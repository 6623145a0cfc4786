using Aspire.Hosting.ApplicationModel;
using Mesh.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Hosting.Local;

/// <summary>Debian's RabbitMQ broker as an executable resource; its connection string is an AMQP URI for guest on "/".</summary>
public sealed class LocalRabbitMQResource(string name, string workingDirectory)
    : ExecutableResource(name, "/bin/sh", workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";
    private EndpointReference? _endpoint;

    public EndpointReference PrimaryEndpoint => _endpoint ??= new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://guest:guest@{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}/");
}

/// <summary>Erlang's port mapper for one broker, on its own private port: a resource of its own, so it is stopped too.</summary>
public sealed class LocalEpmdResource(string name, string workingDirectory)
    : ExecutableResource(name, "/usr/bin/epmd", workingDirectory);

public static class LocalRabbitMQExtensions
{
    /// <summary>
    /// RabbitMQ as a process on 127.0.0.1 (as user rabbitmq when root), its node state in <c>{Mesh:Data}/{name}</c>,
    /// with its epmd as the resource <c>{name}-epmd</c> that it waits for. Shaped like Aspire's <c>AddRabbitMQ</c>.
    /// </summary>
    public static IResourceBuilder<LocalRabbitMQResource> AddLocalRabbitMQ(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var dataDirectory = Path.Combine(LocalServers.DataRoot(builder), name);
        var p = port ?? LocalServers.FreePort();
        var distPort = LocalServers.FreePort();
        var epmdPort = LocalServers.FreePort();
        var environment = RabbitMqServer.PrepareNode(dataDirectory, p, distPort, epmdPort, createFiles: false);
        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            RabbitMqServer.CreateNodeFiles(dataDirectory);
            return Task.CompletedTask;
        });

        var epmd = builder.AddResource(new LocalEpmdResource($"{name}-epmd", dataDirectory))
            .WithEndpoint(port: epmdPort, targetPort: epmdPort, name: "tcp", isProxied: false)
            .WithArgs("-port", epmdPort.ToString(), "-address", "127.0.0.1");
        var epmdHealthKey = $"{name}-epmd_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(epmdHealthKey, async ct =>
            await Mesh.Servers.Processes.LoopbackPorts.IsAcceptingAsync(epmdPort, ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("epmd is not accepting"));
        epmd.WithHealthCheck(epmdHealthKey);

        var healthKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthKey, async ct =>
        {
            try
            {
                return await RabbitMqServer.ProbeAmqpAsync(p, ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no AMQP Connection.Start");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        });

        var broker = builder.AddResource(new LocalRabbitMQResource(name, dataDirectory))
            .WithEndpoint(port: p, targetPort: p, name: LocalRabbitMQResource.EndpointName, isProxied: false)
            .WithArgs(LocalServers.WrappedCommand(RabbitMqServer.RunAsUser, RabbitMqServer.ServerScript))
            .WithEnvironment("MESH_PIDFILE", environment["RABBITMQ_PID_FILE"]!)
            .WithHealthCheck(healthKey)
            .WaitFor(epmd);
        foreach (var (key, value) in environment)
        {
            epmd.WithEnvironment(key, value ?? "");
            broker.WithEnvironment(key, value ?? "");
        }
        return broker;
    }
}
