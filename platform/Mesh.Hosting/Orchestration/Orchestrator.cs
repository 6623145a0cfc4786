using Mesh.Servers;

namespace Mesh.Hosting.Orchestration;

/// <summary>
/// Runs an <see cref="ApplicationModel"/>: every resource starts as soon as what it waits for is healthy
/// (independent resources start in parallel); a failure stops everything already started and reports
/// the failing resource with its log tail; stop is the reverse, bounded by the stop timeout.
/// </summary>
internal sealed class Orchestrator
{
    private readonly ApplicationModel _model;
    private readonly DistributedApplicationOptions _options;
    private readonly PortAllocator _ports;
    private readonly RememberedPorts _remembered;
    private readonly Dictionary<IResource, List<ResourceInstance>> _instances = new();
    private readonly List<ReplicaSupervisor> _supervisors = new();
    private readonly List<ServerSupervisor> _servers = new();
    private readonly List<Func<Task>> _serverStops = new();
    private readonly Lock _gate = new();

    public Orchestrator(ApplicationModel model, DistributedApplicationOptions options)
    {
        _model = model;
        _options = options;
        _remembered = new RememberedPorts(options.Ephemeral ? null : Path.Combine(options.DataDirectory, "ports.json"));
        _ports = new PortAllocator(options.RandomPorts, _remembered);
        foreach (var resource in model.Resources)
        {
            AllocateServerPort(resource, _remembered);
            _instances[resource] = CreateInstances(resource);
        }
    }

    /// <summary>Every server gets its port now, so every connection string is known before anything starts.</summary>
    private static void AllocateServerPort(IResource resource, RememberedPorts remembered)
    {
        switch (resource)
        {
            case PostgresServerResource pg: pg.Port ??= remembered.Get(pg.Name); break;
            case RedisResource redis: redis.Port ??= remembered.Get(redis.Name); break;
            case RabbitMQServerResource rabbit: rabbit.Port ??= remembered.Get(rabbit.Name); break;
        }
    }

    /// <summary>The environment replica <paramref name="replica"/> of a process receives.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentFor(ProcessResource process, int replica) =>
        ProcessEnvironment.For(process, replica, _ports.PortOf, _options.OtlpEndpoint);

    public IReadOnlyList<ResourceInstance> Instances => _model.Resources.SelectMany(r => _instances[r]).ToArray();
    public IReadOnlyList<ResourceInstance> InstancesOf(IResource resource) => _instances[resource];
    public IReadOnlyList<ReplicaSupervisor> Supervisors { get { lock (_gate) return _supervisors.ToArray(); } }
    public IReadOnlyList<ServerSupervisor> Servers { get { lock (_gate) return _servers.ToArray(); } }

    public async Task StartAsync(CancellationToken ct)
    {
        if (_options.BuildProjects)
            await ProjectBuilder.BuildAsync(_model.Resources.OfType<ProjectResource>(), _options.Configuration, ct);

        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var ready = new Dictionary<IResource, Task>();
        foreach (var resource in _model.StartOrder)
        {
            var deps = ModelDependencies(resource).Select(d => ready[d]).ToArray();
            ready[resource] = StartWhenReadyAsync(resource, deps, failed);
        }
        try
        {
            await Task.WhenAll(ready.Values);
        }
        catch
        {
            failed.Cancel();
            var first = ready.Values.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!)
                .FirstOrDefault(e => e is not OperationCanceledException);
            try { await Task.WhenAll(ready.Values); } catch { /* every failure observed */ }
            await StopAsync();
            if (first is not null) throw first;
            throw;
        }
    }

    private async Task StartWhenReadyAsync(IResource resource, Task[] dependencies, CancellationTokenSource failed)
    {
        await Task.WhenAll(dependencies);
        failed.Token.ThrowIfCancellationRequested();
        try
        {
            await StartResourceAsync(resource, failed.Token);
        }
        catch
        {
            failed.Cancel();
            throw;
        }
    }

    private async Task StartResourceAsync(IResource resource, CancellationToken ct)
    {
        var instances = _instances[resource];
        var logs = Path.Combine(_options.DataDirectory, "logs");
        switch (resource)
        {
            case PostgresServerResource pg:
                await StartServerAsync(instances[0], async token =>
                {
                    var server = await PostgresServer.StartAsync(new PostgresOptions
                    {
                        DataDirectory = Path.Combine(_options.DataDirectory, pg.Name), Port = pg.Port!.Value, Ephemeral = _options.Ephemeral,
                        LogFile = Path.Combine(logs, pg.Name + ".log"), StartTimeout = _options.StartTimeout,
                    }, token);
                    pg.Server = server;
                    return (server.Process, server.StopAsync, new Uri($"tcp://localhost:{server.Port}"));
                }, ct);
                break;
            case PostgresDatabaseResource db:
                instances[0].SetState(ResourceState.Starting);
                await db.Server.Server!.CreateDatabaseAsync(db.DatabaseName, ct);
                instances[0].SetState(ResourceState.Running);
                // A database stops with its server; nothing of its own to stop.
                lock (_gate) _serverStops.Add(() => { instances[0].SetState(ResourceState.Stopped); return Task.CompletedTask; });
                break;
            case RedisResource redis:
                await StartServerAsync(instances[0], async token =>
                {
                    var server = await RedisServer.StartAsync(new RedisOptions
                    {
                        DataDirectory = Path.Combine(_options.DataDirectory, redis.Name), Port = redis.Port!.Value, Ephemeral = _options.Ephemeral,
                        LogFile = Path.Combine(logs, redis.Name + ".log"), StartTimeout = _options.StartTimeout,
                    }, token);
                    redis.Server = server;
                    return (server.Process, server.StopAsync, new Uri($"tcp://localhost:{server.Port}"));
                }, ct);
                break;
            case RabbitMQServerResource rabbit:
                await StartServerAsync(instances[0], async token =>
                {
                    var server = await RabbitMqServer.StartAsync(new RabbitMqOptions
                    {
                        DataDirectory = Path.Combine(_options.DataDirectory, rabbit.Name), Port = rabbit.Port!.Value,
                        LogFile = Path.Combine(logs, rabbit.Name + ".log"), StartTimeout = _options.StartTimeout,
                    }, token);
                    rabbit.Server = server;
                    return (server.Process, server.StopAsync, new Uri($"amqp://localhost:{server.Port}"));
                }, ct);
                break;
            case ProcessResource process:
                await Task.WhenAll(instances.Select(instance =>
                {
                    var env = EnvironmentFor(process, instance.Replica);
                    var supervisor = new ReplicaSupervisor(process, instance, env, Path.Combine(logs, instance.DisplayName + ".log"));
                    lock (_gate) _supervisors.Add(supervisor);
                    return supervisor.StartAsync(_options.StartTimeout, ct);
                }));
                break;
            default:
                throw new NotSupportedException($"Resource '{resource.Name}' of type {resource.GetType().Name} cannot be run.");
        }
    }

    private async Task StartServerAsync(ResourceInstance instance, Func<CancellationToken, Task<(Mesh.Servers.Processes.ChildProcess Process, Func<Task> Stop, Uri Endpoint)>> start, CancellationToken ct)
    {
        // Databases on a PostgreSQL server go down and come back with it.
        var dependents = instance.Resource is PostgresServerResource pg ? pg.Databases.Select(d => _instances[d][0]).ToArray() : [];
        var supervisor = new ServerSupervisor(instance, start, dependents);
        lock (_gate) _servers.Add(supervisor);
        await supervisor.StartAsync(ct);
    }

    /// <summary>Stops processes first (they use the servers), then servers; all within the stop timeout.</summary>
    public async Task StopAsync()
    {
        ReplicaSupervisor[] supervisors;
        ServerSupervisor[] servers;
        Func<Task>[] serverStops;
        lock (_gate)
        {
            supervisors = _supervisors.ToArray();
            servers = _servers.ToArray();
            serverStops = _serverStops.ToArray();
            _supervisors.Clear();
            _servers.Clear();
            _serverStops.Clear();
        }
        // Services first (they may still write), then the servers they use — each half of the stop budget.
        var half = TimeSpan.FromTicks(_options.StopTimeout.Ticks / 2);
        await Task.WhenAll(supervisors.Select(s => s.StopAsync(half)));
        var serversStopped = Task.WhenAll(servers.Select(s => s.StopAsync(ResourceState.Stopped)));
        if (await Task.WhenAny(serversStopped, Task.Delay(half)) != serversStopped)
        {
            // A server slow to stop politely (the Erlang VM on a busy machine) is ended by force, so stopping stays
            // bounded: PostgreSQL recovers from its WAL and RabbitMQ keeps its durable messages.
            foreach (var server in servers) server.Kill();
        }
        await serversStopped;
        await Task.WhenAll(serverStops.Select(stop => stop()));
        _remembered.ReleaseAll();
    }

    private IEnumerable<IResource> ModelDependencies(IResource resource) => ApplicationModel.Dependencies(resource);

    private List<ResourceInstance> CreateInstances(IResource resource)
    {
        switch (resource)
        {
            case ProcessResource process:
                return Enumerable.Range(0, process.Replicas).Select(i =>
                {
                    var instance = new ResourceInstance(resource, i, ProcessEnvironment.ReplicaName(process, i),
                        process is ProjectResource ? "project" : "executable");
                    instance.Endpoints = process.Endpoints.ToDictionary(e => e.Name, e => new Uri($"{e.Scheme}://127.0.0.1:{_ports.PortOf(process, e, i)}"));
                    return instance;
                }).ToList();
            default:
                var kind = resource switch
                {
                    PostgresServerResource => "postgres",
                    PostgresDatabaseResource => "database",
                    RedisResource => "redis",
                    RabbitMQServerResource => "rabbitmq",
                    _ => "resource",
                };
                return [new ResourceInstance(resource, 0, resource.Name, kind)];
        }
    }
}
