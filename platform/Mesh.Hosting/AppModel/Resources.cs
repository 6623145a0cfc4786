namespace Mesh.Hosting;

/// <summary>Anything the app host runs or hands out: a server, a database on it, a service.</summary>
public interface IResource
{
    string Name { get; }
}

/// <summary>A resource others reach through a connection string (ConnectionStrings__&lt;name&gt;).</summary>
public interface IResourceWithConnectionString : IResource
{
    /// <summary>The connection string, known once the resource (or its parent server) has started.</summary>
    string GetConnectionString();
}

/// <summary>A resource whose start-up others may wait for.</summary>
public interface IResourceWithParent : IResource
{
    IResource Parent { get; }
}

/// <summary>A named network endpoint of a resource (Aspire's EndpointAnnotation, reduced to what we use).</summary>
public sealed class EndpointDefinition
{
    public EndpointDefinition(string name, string scheme, EndpointProtocol protocol)
    {
        Name = name;
        Scheme = scheme;
        Protocol = protocol;
    }

    /// <summary>"grpc", "http", …: the third part of services__&lt;svc&gt;__&lt;endpoint&gt;__&lt;i&gt;.</summary>
    public string Name { get; }

    public string Scheme { get; }
    public EndpointProtocol Protocol { get; }

    /// <summary>A fixed port for the first replica (e.g. the REST edge's 8080); null = allocate a free one.</summary>
    public int? Port { get; init; }
}

public enum EndpointProtocol
{
    /// <summary>HTTP/1.1 (health, REST).</summary>
    Http1,

    /// <summary>HTTP/2 over cleartext with prior knowledge (gRPC).</summary>
    Http2,

    /// <summary>Both on one port (HTTP/1.1 and HTTP/2 by negotiation/prior knowledge).</summary>
    Http1AndHttp2,
}

/// <summary>A PostgreSQL server (Aspire's PostgresServerResource).</summary>
public sealed class PostgresServerResource(string name) : IResourceWithConnectionString
{
    private readonly List<PostgresDatabaseResource> _databases = new();

    public string Name { get; } = name;
    public IReadOnlyList<PostgresDatabaseResource> Databases => _databases;

    /// <summary>Set by the orchestrator once the server runs.</summary>
    public Servers.PostgresServer? Server { get; internal set; }

    /// <summary>Allocated when the app is built (as Aspire does), so connection strings are known before start.</summary>
    public int? Port { get; internal set; }

    /// <summary>Aspire's format: Host=…;Port=…;Username=…[;Password=…].</summary>
    public string GetConnectionString() => $"Host=localhost;Port={Port ?? throw NotAllocated(Name)};Username=postgres";

    internal void AddDatabase(PostgresDatabaseResource database) => _databases.Add(database);

    internal static InvalidOperationException NotAllocated(string name) => new($"Resource '{name}' has no port yet: build the application first.");
}

/// <summary>A database on a PostgreSQL server, created by the orchestrator if missing.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent) : IResourceWithConnectionString, IResourceWithParent
{
    public string Name { get; } = name;
    public string DatabaseName { get; } = databaseName;
    public PostgresServerResource Server { get; } = parent;
    public IResource Parent => Server;

    public string GetConnectionString() => $"{Server.GetConnectionString()};Database={DatabaseName}";
}

/// <summary>A Redis server (Aspire's RedisResource).</summary>
public sealed class RedisResource(string name) : IResourceWithConnectionString
{
    public string Name { get; } = name;
    public Servers.RedisServer? Server { get; internal set; }
    public int? Port { get; internal set; }

    /// <summary>Aspire's format: host:port (StackExchange.Redis configuration string).</summary>
    public string GetConnectionString() => $"localhost:{Port ?? throw PostgresServerResource.NotAllocated(Name)}";
}

/// <summary>A RabbitMQ broker (Aspire's RabbitMQServerResource).</summary>
public sealed class RabbitMQServerResource(string name) : IResourceWithConnectionString
{
    public string Name { get; } = name;
    public Servers.RabbitMqServer? Server { get; internal set; }
    public int? Port { get; internal set; }

    /// <summary>Aspire's format: amqp://user:password@host:port.</summary>
    public string GetConnectionString() => $"amqp://guest:guest@localhost:{Port ?? throw PostgresServerResource.NotAllocated(Name)}";
}

/// <summary>
/// A process the orchestrator runs and supervises: a .NET project (<see cref="ProjectResource"/>) or any
/// executable. Carries endpoints, environment, references, waits and replicas.
/// </summary>
public abstract class ProcessResource(string name) : IResource
{
    private readonly List<EndpointDefinition> _endpoints = new();
    private readonly List<IResource> _references = new();
    private readonly List<IResource> _waitFor = new();
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal);
    private readonly List<string> _arguments = new();

    public string Name { get; } = name;
    public IReadOnlyList<EndpointDefinition> Endpoints => _endpoints;
    public IReadOnlyList<IResource> References => _references;
    public IReadOnlyList<IResource> WaitsFor => _waitFor;
    public IReadOnlyDictionary<string, string> Environment => _environment;
    public IReadOnlyList<string> Arguments => _arguments;
    public int Replicas { get; internal set; } = 1;

    /// <summary>Path probed over the "http" endpoint for readiness; null = running is ready.</summary>
    public string? HealthCheckPath { get; internal set; }

    internal void AddEndpoint(EndpointDefinition endpoint)
    {
        if (_endpoints.Any(e => e.Name == endpoint.Name))
            throw new InvalidOperationException($"Resource '{Name}' already has an endpoint named '{endpoint.Name}'.");
        _endpoints.Add(endpoint);
    }

    internal void ReplaceEndpoint(EndpointDefinition endpoint)
    {
        var index = _endpoints.FindIndex(e => e.Name == endpoint.Name);
        if (index < 0) throw new InvalidOperationException($"Resource '{Name}' has no endpoint named '{endpoint.Name}'.");
        _endpoints[index] = endpoint;
    }

    internal void AddReference(IResource resource)
    {
        if (!_references.Contains(resource)) _references.Add(resource);
    }

    internal void AddWaitFor(IResource resource)
    {
        if (!_waitFor.Contains(resource)) _waitFor.Add(resource);
    }

    internal void SetEnvironment(string key, string value) => _environment[key] = value;
    internal void AddArguments(IEnumerable<string> args) => _arguments.AddRange(args);

    /// <summary>The command and arguments that start one replica.</summary>
    public abstract (string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory) GetCommand();
}

/// <summary>A .NET project of this repository, run from its build output with `dotnet &lt;dll&gt;`.</summary>
public sealed class ProjectResource(string name, string projectPath) : ProcessResource(name)
{
    /// <summary>Full path of the .csproj.</summary>
    public string ProjectPath { get; } = projectPath;

    public string Configuration { get; internal set; } = "Release";

    public string AssemblyPath
    {
        get
        {
            var dir = Path.GetDirectoryName(ProjectPath)!;
            var assembly = ProjectFile.ReadAssemblyName(ProjectPath);
            return Path.Combine(dir, "bin", Configuration, "net10.0", assembly + ".dll");
        }
    }

    public override (string, IReadOnlyList<string>, string) GetCommand() =>
        ("dotnet", [AssemblyPath, .. Arguments], Path.GetDirectoryName(ProjectPath)!);
}

/// <summary>Any executable (Aspire's ExecutableResource).</summary>
public sealed class ExecutableResource(string name, string command, string workingDirectory) : ProcessResource(name)
{
    public string Command { get; } = command;
    public string WorkingDirectory { get; } = workingDirectory;

    public override (string, IReadOnlyList<string>, string) GetCommand() => (Command, Arguments, WorkingDirectory);
}
