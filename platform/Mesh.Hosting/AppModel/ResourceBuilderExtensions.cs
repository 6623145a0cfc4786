namespace Mesh.Hosting;

/// <summary>The Add…/With… vocabulary of the app model, named as in Aspire.</summary>
public static class ResourceBuilderExtensions
{
    public static IResourceBuilder<PostgresServerResource> AddPostgres(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new PostgresServerResource(name));

    /// <summary>A database on the server; its resource name is also its database name unless one is given.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        var db = new PostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        if (!Servers.PostgresServer.IsSafeIdentifier(db.DatabaseName))
            throw new ArgumentException($"Database name '{db.DatabaseName}' must be lower-case letters, digits and '_'.", nameof(databaseName));
        var added = server.ApplicationBuilder.AddResource(db);
        server.Resource.AddDatabase(db);
        return added;
    }

    public static IResourceBuilder<RedisResource> AddRedis(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new RedisResource(name));

    public static IResourceBuilder<RabbitMQServerResource> AddRabbitMQ(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new RabbitMQServerResource(name));

    /// <summary>
    /// A .NET project of this repository (path relative to the root, to a folder or a .csproj). It gets a
    /// "grpc" (HTTP/2) and an "http" (HTTP/1.1, /health) endpoint, as every Mesh service has.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddProject(this IDistributedApplicationBuilder builder, string name, string projectPath)
    {
        var full = Path.GetFullPath(Path.Combine(builder.Options.RootDirectory, projectPath));
        if (Directory.Exists(full))
        {
            var projects = Directory.GetFiles(full, "*.csproj");
            if (projects.Length != 1)
                throw new ArgumentException($"'{projectPath}' must hold exactly one .csproj (found {projects.Length}).", nameof(projectPath));
            full = projects[0];
        }
        if (!File.Exists(full)) throw new FileNotFoundException($"Project '{projectPath}' not found (looked for {full}).", full);
        var project = new ProjectResource(name, full) { Configuration = builder.Options.Configuration };
        project.AddEndpoint(new EndpointDefinition("grpc", "http", EndpointProtocol.Http2));
        project.AddEndpoint(new EndpointDefinition("http", "http", EndpointProtocol.Http1));
        project.HealthCheckPath = "/health";
        return builder.AddResource(project);
    }

    /// <summary>Any command (Aspire's AddExecutable); add endpoints and a health check as it needs.</summary>
    public static IResourceBuilder<ExecutableResource> AddExecutable(this IDistributedApplicationBuilder builder, string name, string command, string workingDirectory, params string[] args)
    {
        var exe = new ExecutableResource(name, command, Path.GetFullPath(Path.Combine(builder.Options.RootDirectory, workingDirectory)));
        exe.AddArguments(args);
        return builder.AddResource(exe);
    }

    /// <summary>Injects ConnectionStrings__&lt;name&gt; for a server or database.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResourceWithConnectionString> source) where T : ProcessResource
    {
        builder.Resource.AddReference(source.Resource);
        return builder;
    }

    /// <summary>Injects services__&lt;name&gt;__&lt;endpoint&gt;__&lt;i&gt; for every endpoint of every replica of another process.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<ProcessResource> service) where T : ProcessResource
    {
        if (ReferenceEquals(builder.Resource, service.Resource)) throw new InvalidOperationException($"'{builder.Resource.Name}' cannot reference itself.");
        builder.Resource.AddReference(service.Resource);
        return builder;
    }

    /// <summary>Start only once <paramref name="dependency"/> is healthy.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<IResource> dependency) where T : ProcessResource
    {
        if (ReferenceEquals(builder.Resource, dependency.Resource)) throw new InvalidOperationException($"'{builder.Resource.Name}' cannot wait for itself.");
        builder.Resource.AddWaitFor(dependency.Resource);
        return builder;
    }

    public static IResourceBuilder<T> WithReplicas<T>(this IResourceBuilder<T> builder, int replicas) where T : ProcessResource
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        builder.Resource.Replicas = replicas;
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value) where T : ProcessResource
    {
        builder.Resource.SetEnvironment(name, value);
        return builder;
    }

    public static IResourceBuilder<T> WithArgs<T>(this IResourceBuilder<T> builder, params string[] args) where T : ProcessResource
    {
        builder.Resource.AddArguments(args);
        return builder;
    }

    /// <summary>An HTTP/1.1 endpoint (named "http" unless told); port null = allocated.</summary>
    public static IResourceBuilder<T> WithHttpEndpoint<T>(this IResourceBuilder<T> builder, int? port = null, string name = "http", EndpointProtocol protocol = EndpointProtocol.Http1) where T : ProcessResource
    {
        builder.Resource.AddEndpoint(new EndpointDefinition(name, "http", protocol) { Port = port });
        return builder;
    }

    /// <summary>Fixes the port of an existing endpoint for the first replica (e.g. the REST edge's 8080).</summary>
    public static IResourceBuilder<T> WithEndpointPort<T>(this IResourceBuilder<T> builder, string name, int port) where T : ProcessResource
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        var current = builder.Resource.Endpoints.FirstOrDefault(e => e.Name == name)
            ?? throw new InvalidOperationException($"'{builder.Resource.Name}' has no endpoint named '{name}'.");
        builder.Resource.ReplaceEndpoint(new EndpointDefinition(current.Name, current.Scheme, current.Protocol) { Port = port });
        return builder;
    }

    /// <summary>Readiness = GET &lt;http endpoint&gt;&lt;path&gt; answers 2xx.</summary>
    public static IResourceBuilder<T> WithHttpHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health") where T : ProcessResource
    {
        if (!builder.Resource.Endpoints.Any(e => e.Name == "http"))
            throw new InvalidOperationException($"'{builder.Resource.Name}' has no \"http\" endpoint to probe.");
        builder.Resource.HealthCheckPath = path;
        return builder;
    }
}
