using System.Net.Sockets;
using Mesh.Servers.Processes;

namespace Mesh.Servers;

/// <summary>Where and how to run RabbitMQ.</summary>
public sealed record RabbitMqOptions
{
    /// <summary>Holds mnesia (the broker's state), logs, the node's home (Erlang cookie) and config.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>AMQP port; 0 = a free port.</summary>
    public int Port { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);
    public string? LogFile { get; init; }
}

/// <summary>
/// A real RabbitMQ broker as a child process on 127.0.0.1, with everything Erlang opens kept on
/// loopback too: we start the port mapper (epmd) ourselves on a private port — so we know its pid and
/// stop it — and pin the node's distribution port to 127.0.0.1.
/// </summary>
public sealed class RabbitMqServer : IAsyncDisposable
{
    private const string Name = "rabbitmq";
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string CtlScript = "/usr/lib/rabbitmq/bin/rabbitmqctl";

    private readonly ChildProcess _broker;
    private readonly ChildProcess _epmd;
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly string _pidFile;
    private readonly string? _user;

    private RabbitMqServer(ChildProcess broker, ChildProcess epmd, int port, string nodeName,
                           IReadOnlyDictionary<string, string?> environment, string pidFile, string? user)
    {
        _broker = broker;
        _epmd = epmd;
        Port = port;
        NodeName = nodeName;
        _environment = environment;
        _pidFile = pidFile;
        _user = user;
    }

    public int Port { get; }
    public string NodeName { get; }
    public ChildProcess Process => _broker;

    /// <summary>The pids this server consists of: the wrapper script, the Erlang VM and epmd.</summary>
    public IReadOnlyList<int> Pids => new[] { _broker.Pid, ReadBeamPid(), _epmd.Pid }.Where(p => p > 0).Distinct().ToArray();

    /// <summary>An AMQP URI for the default user on a vhost ("/" by default), as Aspire injects it.</summary>
    public string ConnectionStringFor(string vhost = "/") =>
        $"amqp://guest:guest@127.0.0.1:{Port}/{Uri.EscapeDataString(vhost)}";

    public string ConnectionString => ConnectionStringFor();

    public static async Task<RabbitMqServer> StartAsync(RabbitMqOptions options, CancellationToken ct = default)
    {
        if (!File.Exists(ServerScript))
            throw new ServerStartException(Name, "rabbitmq-server is not installed; run ./mesh up or apt-get install rabbitmq-server", "");

        var user = Posix.IsRoot ? "rabbitmq" : null;
        var dir = Path.GetFullPath(options.DataDirectory);
        var port = options.Port == 0 ? LoopbackPorts.GetFree() : options.Port;
        var distPort = LoopbackPorts.GetFree();
        var epmdPort = LoopbackPorts.GetFree();
        // Every broker has its own epmd, so one constant node name cannot clash — and it must stay the
        // same across runs: RabbitMQ keeps its state (queues, messages) per node name.
        const string nodeName = "mesh@localhost";
        var pidFile = Path.Combine(dir, "rabbit.pid");

        foreach (var sub in new[] { "mnesia", "log", "home" }) Directory.CreateDirectory(Path.Combine(dir, sub));
        File.WriteAllText(Path.Combine(dir, "enabled_plugins"), "[].\n");
        File.WriteAllText(Path.Combine(dir, "rabbitmq.conf"),
            "# Written by Mesh.Servers: a loopback-only broker for local runs and tests.\n" +
            "disk_free_limit.absolute = 50MB\n" +
            "log.console = true\nlog.console.level = info\nlog.file = false\n");
        DataDirectories.CreateOwnedBy(dir, user);

        var env = new Dictionary<string, string?>
        {
            ["HOME"] = Path.Combine(dir, "home"),
            ["RABBITMQ_NODENAME"] = nodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = port.ToString(),
            ["RABBITMQ_DIST_PORT"] = distPort.ToString(),
            ["ERL_EPMD_PORT"] = epmdPort.ToString(),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
            ["RABBITMQ_CTL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dir, "log"),
            ["RABBITMQ_PID_FILE"] = pidFile,
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dir, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir, "rabbitmq.conf"),
            ["RABBITMQ_LOGS"] = "-",
        };

        var epmd = ChildProcess.Start(new ChildProcessSpec("rabbitmq-epmd", "/usr/bin/epmd", ["-port", epmdPort.ToString(), "-address", "127.0.0.1"])
        { RunAsUser = user, LogFile = options.LogFile, Environment = env });
        ChildProcess? broker = null;
        try
        {
            await ServerReadiness.WaitAsync(epmd, t => LoopbackPorts.IsAcceptingAsync(epmdPort, t), TimeSpan.FromSeconds(10), ct);
            // The wrapper script traps SIGTERM and stops the Erlang VM gracefully.
            broker = ChildProcess.Start(new ChildProcessSpec(Name, ServerScript, [])
            { RunAsUser = user, LogFile = options.LogFile, Environment = env, OwnedPids = () => [ReadPid(pidFile)] });
            var server = new RabbitMqServer(broker, epmd, port, nodeName, env, pidFile, user);
            await ServerReadiness.WaitAsync(broker, server.ProbeAmqpAsync, options.StartTimeout, ct);
            return server;
        }
        catch
        {
            if (broker is not null)
            {
                var beam = ReadPid(pidFile);
                await broker.StopAsync(TimeSpan.FromSeconds(10));
                if (Posix.IsAlive(beam)) Posix.Signal(beam, Posix.SIGKILL);
            }
            await epmd.StopAsync(TimeSpan.FromSeconds(2));
            throw;
        }
    }

    /// <summary>Creates a virtual host (if missing) and gives the default user full rights on it.</summary>
    public async Task CreateVirtualHostAsync(string vhost, CancellationToken ct = default)
    {
        await RunCtlAsync(["add_vhost", vhost], ct, alreadyOk: "already exists");
        await RunCtlAsync(["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], ct);
    }

    private async Task RunCtlAsync(string[] args, CancellationToken ct, string? alreadyOk = null)
    {
        var spec = new ChildProcessSpec("rabbitmqctl", CtlScript, ["-n", NodeName, .. args]) { RunAsUser = _user, Environment = _environment };
        try
        {
            await ServerReadiness.RunToCompletionAsync(spec, TimeSpan.FromSeconds(60), ct);
        }
        catch (ServerStartException ex) when (alreadyOk is not null && ex.LogTail.Contains(alreadyOk, StringComparison.OrdinalIgnoreCase))
        {
        }
    }

    /// <summary>Sends the AMQP 0-9-1 protocol header and expects a method frame (Connection.Start) back.</summary>
    private async Task<bool> ProbeAmqpAsync(CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port, ct);
        var stream = client.GetStream();
        await stream.WriteAsync("AMQP\0\0\x09\x01"u8.ToArray(), ct);
        var buffer = new byte[8];
        var read = await stream.ReadAsync(buffer, ct);
        return read > 0 && buffer[0] == 1;
    }

    private int ReadBeamPid() => ReadPid(_pidFile);

    private static int ReadPid(string pidFile)
    {
        try { return int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) ? pid : 0; }
        catch (IOException) { return 0; }
    }

    public async Task StopAsync()
    {
        var beam = ReadBeamPid();
        await _broker.StopAsync(TimeSpan.FromSeconds(20));
        // The wrapper waits for the VM; if the VM outlived it (wrapper killed), end it by its pid.
        if (Posix.IsAlive(beam))
        {
            Posix.Signal(beam, Posix.SIGTERM);
            for (var i = 0; i < 100 && Posix.IsAlive(beam); i++) await Task.Delay(50);
            if (Posix.IsAlive(beam)) Posix.Signal(beam, Posix.SIGKILL);
        }
        await _epmd.StopAsync(TimeSpan.FromSeconds(2));
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
