using Mesh.Servers;
using Xunit;

namespace Mesh.Testing;

/// <summary>
/// One set of real servers for a whole test run (an xunit assembly fixture). Each server starts the
/// first time a test asks for it, so a test assembly pays only for what it uses; all of them stop —
/// by the pids we started — when the run ends. Data lives in one throw-away directory.
///
/// Register in a test assembly with <c>[assembly: AssemblyFixture(typeof(TestServers))]</c>, and give
/// each test class an <see cref="IsolatedData"/> class fixture for its own database, vhost and key prefix.
/// </summary>
public sealed class TestServers : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"mesh-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
    private readonly Lazy<Task<PostgresServer>> _postgres;
    private readonly Lazy<Task<RedisServer>> _redis;
    private readonly Lazy<Task<RabbitMqServer>> _rabbit;

    public TestServers()
    {
        _postgres = new(() => PostgresServer.StartAsync(new PostgresOptions
        {
            DataDirectory = Path.Combine(_root, "postgres"), Ephemeral = true, LogFile = Path.Combine(_root, "logs", "postgres.log"),
        }));
        _redis = new(() => RedisServer.StartAsync(new RedisOptions
        {
            DataDirectory = Path.Combine(_root, "redis"), Ephemeral = true, LogFile = Path.Combine(_root, "logs", "redis.log"),
        }));
        _rabbit = new(() => RabbitMqServer.StartAsync(new RabbitMqOptions
        {
            DataDirectory = Path.Combine(_root, "rabbitmq"), LogFile = Path.Combine(_root, "logs", "rabbitmq.log"),
        }));
    }

    /// <summary>The directory holding every server's data and logs for this run.</summary>
    public string RootDirectory => _root;

    public Task<PostgresServer> PostgresAsync() => _postgres.Value;
    public Task<RedisServer> RedisAsync() => _redis.Value;
    public Task<RabbitMqServer> RabbitMqAsync() => _rabbit.Value;

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        var stops = new List<Task>();
        if (_postgres.IsValueCreated) stops.Add(StopAsync(_postgres.Value, s => s.StopAsync()));
        if (_redis.IsValueCreated) stops.Add(StopAsync(_redis.Value, s => s.StopAsync()));
        if (_rabbit.IsValueCreated) stops.Add(StopAsync(_rabbit.Value, s => s.StopAsync()));
        await Task.WhenAll(stops);
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static async Task StopAsync<T>(Task<T> started, Func<T, Task> stop)
    {
        T server;
        try { server = await started; }
        catch { return; } // never started: nothing to stop
        await stop(server);
    }
}
