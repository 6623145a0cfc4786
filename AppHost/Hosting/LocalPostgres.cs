using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Eventing;
using Mesh.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Hosting.Local;

/// <summary>Debian's PostgreSQL server as an executable resource; its connection string is the superuser's.</summary>
public sealed class LocalPostgresServerResource(string name, string workingDirectory, string dataDirectory)
    : ExecutableResource(name, "/bin/sh", workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";
    private EndpointReference? _endpoint;

    public string DataDirectory { get; } = dataDirectory;
    public EndpointReference PrimaryEndpoint => _endpoint ??= new(this, EndpointName);

    /// <summary>Database resource name → database name.</summary>
    public Dictionary<string, string> Databases { get; } = new(StringComparer.Ordinal);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username=postgres");
}

/// <summary>A database on a <see cref="LocalPostgresServerResource"/>, created when the server is first ready.</summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresServerResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresServerResource>, IResourceWithConnectionString
{
    public LocalPostgresServerResource Parent { get; } = parent;
    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}

public static class LocalPostgresExtensions
{
    /// <summary>
    /// PostgreSQL as a process on 127.0.0.1, data in <c>{Mesh:Data}/{name}</c> (initialised by initdb on first start,
    /// as user postgres), stopped by its fast shutdown. Shaped like Aspire's <c>AddPostgres</c>.
    /// </summary>
    public static IResourceBuilder<LocalPostgresServerResource> AddLocalPostgres(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var dataDirectory = Path.Combine(LocalServers.DataRoot(builder), name);
        var resource = new LocalPostgresServerResource(name, LocalServers.DataRoot(builder), dataDirectory);
        var p = port ?? LocalServers.FreePort();
        var healthKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthKey, async ct =>
        {
            try
            {
                var cs = await resource.ConnectionStringExpression.GetValueAsync(ct);
                return await PostgresServer.ProbeAsync(cs!, ct) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("SELECT 1 failed");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        });

        builder.Eventing.Subscribe<BeforeStartEvent>((_, ct) => PostgresServer.InitializeAsync(dataDirectory, ct: ct));
        builder.Eventing.Subscribe<ResourceReadyEvent>(resource, async (e, ct) =>
        {
            var cs = await resource.ConnectionStringExpression.GetValueAsync(ct);
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var database in builder.Resources.OfType<LocalPostgresDatabaseResource>().Where(d => d.Parent == resource))
            {
                await PostgresServer.CreateDatabaseAsync(cs!, database.DatabaseName, ct);
                await notifications.PublishUpdateAsync(database, s => s with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                });
            }
        });

        return builder.AddResource(resource)
            .WithEndpoint(port: p, targetPort: p, name: LocalPostgresServerResource.EndpointName, isProxied: false)
            .WithArgs(LocalServers.WrappedCommand(PostgresServer.RunAsUser, Path.Combine(PostgresServer.FindBinDirectoryOrDefault(), "postgres")))
            .WithArgs([.. PostgresServer.ServerArguments(dataDirectory, p)])
            .WithEnvironment("MESH_STOP_SIGNAL", "INT")
            .WithHealthCheck(healthKey);
    }

    /// <summary>A database on the server, created (if missing) once the server is ready.</summary>
    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(this IResourceBuilder<LocalPostgresServerResource> server, string name, string? databaseName = null)
    {
        databaseName ??= name;
        if (!PostgresServer.IsSafeIdentifier(databaseName))
            throw new ArgumentException($"Database name '{databaseName}' must be lower-case letters, digits and '_' (≤ 63).", nameof(databaseName));
        server.Resource.Databases[name] = databaseName;
        var database = new LocalPostgresDatabaseResource(name, databaseName, server.Resource);
        return server.ApplicationBuilder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new("postgres.database", databaseName)],
            });
    }
}
