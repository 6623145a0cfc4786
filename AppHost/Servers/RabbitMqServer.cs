using System.Net.Sockets;
using Mesh.Servers.Processes;

namespace Mesh.Servers;

/// <summary>Where and how to run RabbitMQ.</summary>
public sealed record RabbitMqOptions
{
    /// <summary>Holds mnesia (the broker's state), logs, the node's home (Erlang cookie) and config.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// AMQP port; 0 = a free port (replaced by another if someone takes it first); otherwise exactly this one. The
    /// distribution and epmd ports are always picked.
    /// </summary>
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
    public const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
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

        var dir = Path.GetFullPath(options.DataDirectory);
        var mnesia = Path.Combine(dir, "mnesia");
        // A node this call creates may be thrown away between attempts; one that held state before never is.
        var newNode = !Directory.Exists(mnesia) || !Directory.EnumerateFileSystemEntries(mnesia).Any();
        return await PortRetry.StartAsync(Name, options.LogFile, ports => StartOnceAsync(dir, options, ports, ct),
            discard: () => DiscardFailedBoot(dir, newNode), ct);
    }

    /// <summary>
    /// One start on one set of ports. The broker's AMQP port may be configured; its distribution port and its epmd's
    /// port are always picked, so a retry replaces them whatever the caller chose.
    /// </summary>
    private static async Task<RabbitMqServer> StartOnceAsync(string dir, RabbitMqOptions options, AttemptPorts ports, CancellationToken ct)
    {
        var user = RunAsUser;
        var port = ports.Take("amqp", options.Port);
        var distPort = ports.Take("erlang distribution", 0);
        var epmdPort = ports.Take("epmd", 0);
        // Every broker has its own epmd, so one constant node name cannot clash — and it must stay the
        // same across runs: RabbitMQ keeps its state (queues, messages) per node name.
        const string nodeName = NodeNameDefault;
        var pidFile = Path.Combine(dir, "rabbit.pid");

        var env = PrepareNode(dir, port, distPort, epmdPort);

        var epmd = ChildProcess.Start(new ChildProcessSpec("rabbitmq-epmd", "/usr/bin/epmd", ["-port", epmdPort.ToString(), "-address", "127.0.0.1"])
        { RunAsUser = user, LogFile = options.LogFile, Environment = env });
        ChildProcess? broker = null;
        try
        {
            await WaitForEpmdAsync(epmd, epmdPort, ct);
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
            // Stopping our epmd also drops the node's registration in it; the next attempt starts a fresh one.
            await epmd.StopAsync(TimeSpan.FromSeconds(2));
            // The VM is gone: a pid file naming it could make a later kill hit whatever process reuses that pid.
            TryDelete(pidFile);
            throw;
        }
    }

    /// <summary>
    /// Waits until our epmd itself listens on its port. A connect alone is not enough: when the port is taken, epmd
    /// exits quietly (code 0, "there is already a epmd running"), and the broker would then register with whoever
    /// holds the port — another broker's epmd, under the same node name.
    /// </summary>
    private static async Task WaitForEpmdAsync(ChildProcess epmd, int epmdPort, CancellationToken ct)
    {
        try
        {
            await ServerReadiness.WaitAsync(epmd, _ => Task.FromResult(ListeningSockets.IsListening(epmd.Pid, epmdPort)), TimeSpan.FromSeconds(10), ct);
        }
        catch (ServerStartException ex) when (!epmd.IsRunning)
        {
            // epmd's only early exit with these arguments is a port it cannot bind; say so in words PortRetry knows.
            throw new ServerStartException(Name, $"epmd could not bind port {epmdPort}: it exited (code {epmd.ExitCode}) before listening", ex.LogTail);
        }
    }

    /// <summary>
    /// What a boot that failed on a taken port leaves that the next attempt must not inherit: the Erlang crash dump
    /// (it explains the taken port, nothing more), and — for a node this start created — the half-made mnesia
    /// directory, so the retry boots the node from scratch as the first attempt would have.
    /// </summary>
    private static void DiscardFailedBoot(string dir, bool newNode)
    {
        TryDelete(Path.Combine(dir, "log", "erl_crash.dump"));
        if (!newNode) return;
        try
        {
            foreach (var entry in new DirectoryInfo(Path.Combine(dir, "mnesia")).EnumerateFileSystemInfos())
                if (entry is DirectoryInfo d) d.Delete(recursive: true);
                else entry.Delete();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The next boot reuses what is left: a node whose boot failed on a port is complete enough to start.
        }
    }

    private static void TryDelete(string file)
    {
        try { File.Delete(file); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>The user RabbitMQ runs as: rabbitmq when we are root, else ourselves.</summary>
    public static string? RunAsUser => Posix.IsRoot ? "rabbitmq" : null;

    /// <summary>The node name; constant, since RabbitMQ keeps its state (queues, messages) per node name.</summary>
    public const string NodeNameDefault = "mesh@localhost";

    /// <summary>
    /// Lays out a node's directories (mnesia, log, home) and config under <paramref name="dir"/>, owned by
    /// <see cref="RunAsUser"/>, and returns the environment rabbitmq-server (and epmd) run with: everything on loopback,
    /// epmd on <paramref name="epmdPort"/>.
    /// </summary>
    public static Dictionary<string, string?> PrepareNode(string dir, int port, int distPort, int epmdPort, bool createFiles = true)
    {
        dir = Path.GetFullPath(dir);
        if (createFiles) CreateNodeFiles(dir);
        return new Dictionary<string, string?>
        {
            ["HOME"] = Path.Combine(dir, "home"),
            ["RABBITMQ_NODENAME"] = NodeNameDefault,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = port.ToString(),
            ["RABBITMQ_DIST_PORT"] = distPort.ToString(),
            ["ERL_EPMD_PORT"] = epmdPort.ToString(),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
            ["RABBITMQ_CTL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dir, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(dir, "rabbit.pid"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dir, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir, "rabbitmq.conf"),
            ["RABBITMQ_LOGS"] = "-",
        };
    }

    /// <summary>Creates the node's directories and config files under <paramref name="dir"/>, owned by <see cref="RunAsUser"/>.</summary>
    public static void CreateNodeFiles(string dir)
    {
        foreach (var sub in new[] { "mnesia", "log", "home" }) Directory.CreateDirectory(Path.Combine(dir, sub));
        File.WriteAllText(Path.Combine(dir, "enabled_plugins"), "[].\n");
        File.WriteAllText(Path.Combine(dir, "rabbitmq.conf"),
            "# Written by Mesh.Servers: a loopback-only broker for local runs and tests.\n" +
            "disk_free_limit.absolute = 50MB\n" +
            "log.console = true\nlog.console.level = info\nlog.file = false\n");
        DataDirectories.CreateOwnedBy(dir, RunAsUser);
    }

    /// <summary>Sends the AMQP 0-9-1 protocol header to 127.0.0.1:<paramref name="port"/> and expects Connection.Start back.</summary>
    public static async Task<bool> ProbeAmqpAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, ct);
        var stream = client.GetStream();
        await stream.WriteAsync("AMQP\0\0\x09\x01"u8.ToArray(), ct);
        var buffer = new byte[8];
        var read = await stream.ReadAsync(buffer, ct);
        return read > 0 && buffer[0] == 1;
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

    private Task<bool> ProbeAmqpAsync(CancellationToken ct) => ProbeAmqpAsync(Port, ct);

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
