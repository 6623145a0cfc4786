using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RabbitMQ.Client;
using StackExchange.Redis;

namespace Mesh.AppHost.Tests;

/// <summary>
/// The local server resources (Mesh.Hosting.Local) on their own: the app host's servers without its services, plus a
/// probe process that references them. Each starts, reports healthy, hands its connection string to the reference,
/// keeps its data across a restart of the app host, and leaves no process after a stop.
/// </summary>
public sealed class ServerResourceTests : IDisposable
{
    private static readonly string[] Servers = ["postgres", "cache", "messaging-epmd", "messaging"];
    private static readonly string[] WithConnectionStrings = ["usersdb", "cache", "messaging"];
    private readonly string _data = Directory.CreateTempSubdirectory("mesh-servers-").FullName;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Servers_start_healthy_hand_out_connection_strings_keep_data_and_leave_nothing_behind()
    {
        string[] firstPids;
        await using (var app = await StartServersAsync())
        {
            var probeFile = Path.Combine(_data, "probe.env");
            foreach (var name in WithConnectionStrings)
            {
                var connectionString = await app.GetConnectionStringAsync(name, Ct);
                Assert.False(string.IsNullOrEmpty(connectionString));
                Assert.Contains($"ConnectionStrings__{name}={connectionString}\n", await ReadProbeAsync(app, probeFile));
            }

            // Data written now must be there after a restart of the app host.
            await using (var db = new NpgsqlConnection(await app.GetConnectionStringAsync("usersdb", Ct)))
            {
                await db.OpenAsync(Ct);
                await using var create = new NpgsqlCommand("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('across restarts')", db);
                await create.ExecuteNonQueryAsync(Ct);
            }
            await using (var redis = await ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("cache", Ct))!))
                Assert.True(await redis.GetDatabase().StringSetAsync("kept", "across restarts"));
            var factory = new ConnectionFactory { Uri = new Uri((await app.GetConnectionStringAsync("messaging", Ct))!) };
            await using (var connection = await factory.CreateConnectionAsync(Ct))
            await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), Ct))
            {
                await channel.QueueDeclareAsync("kept", durable: true, exclusive: false, autoDelete: false, cancellationToken: Ct);
                await channel.BasicPublishAsync("", "kept", mandatory: true, new BasicProperties { Persistent = true }, "across restarts"u8.ToArray(), Ct);
            }
            firstPids = await PidsAsync(app);
            await app.StopAsync(Ct);
        }
        AssertNothingLeft(firstPids);

        await using (var app = await StartServersAsync())
        {
            await using (var db = new NpgsqlConnection(await app.GetConnectionStringAsync("usersdb", Ct)))
            {
                await db.OpenAsync(Ct);
                await using var select = new NpgsqlCommand("SELECT v FROM kept", db);
                Assert.Equal("across restarts", await select.ExecuteScalarAsync(Ct));
            }
            await using (var redis = await ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("cache", Ct))!))
                Assert.Equal("across restarts", (string?)await redis.GetDatabase().StringGetAsync("kept"));
            var factory = new ConnectionFactory { Uri = new Uri((await app.GetConnectionStringAsync("messaging", Ct))!) };
            await using (var connection = await factory.CreateConnectionAsync(Ct))
            await using (var channel = await connection.CreateChannelAsync(cancellationToken: Ct))
            {
                var message = await channel.BasicGetAsync("kept", autoAck: true, Ct);
                Assert.NotNull(message);
                Assert.Equal("across restarts"u8.ToArray(), message.Body.ToArray());
            }
            var pids = await PidsAsync(app);
            await app.StopAsync(Ct);
            await app.DisposeAsync();
            AssertNothingLeft(pids);
        }
    }

    /// <summary>The app host's model with its projects taken out, a probe that references every server, started and healthy.</summary>
    private async Task<DistributedApplication> StartServersAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>([$"--Mesh:Data={_data}"], Ct);
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
            builder.Resources.Remove(project);
        var probe = builder.AddExecutable("probe", "/bin/sh", _data, "-c",
            "env | grep '^ConnectionStrings__' | sort > probe.env.tmp && mv probe.env.tmp probe.env && exec sleep 3600");
        foreach (var name in WithConnectionStrings)
        {
            var resource = (IResourceWithConnectionString)builder.Resources.Single(r => r.Name == name);
            probe.WithReference(builder.CreateResourceBuilder(resource)).WaitFor(builder.CreateResourceBuilder(resource));
        }
        var app = await builder.BuildAsync(Ct);
        try
        {
            await ResourceStates.WithinAsync(app, AppHostFixture.StartTimeout, "the servers and the probe starting", async ct =>
            {
                await app.StartAsync(ct);
                foreach (var name in Servers.Concat(["usersdb", "catalogdb", "paymentdb", "bookingdb"]))
                    await app.ResourceNotifications.WaitForResourceHealthyAsync(name, ct);
                await app.ResourceNotifications.WaitForResourceAsync("probe", KnownResourceStates.Running, ct);
            }, Ct);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static async Task<string> ReadProbeAsync(DistributedApplication app, string file)
    {
        await ResourceStates.WithinAsync(app, TimeSpan.FromMinutes(1), $"the probe writing {file}", async ct =>
        {
            while (!File.Exists(file)) await Task.Delay(100, ct);
        }, Ct);
        return await File.ReadAllTextAsync(file, Ct);
    }

    /// <summary>The pid of every server process, as the app model reports it.</summary>
    private static async Task<string[]> PidsAsync(DistributedApplication app)
    {
        var pids = new List<string>();
        foreach (var name in Servers)
        {
            var e = await app.ResourceNotifications.WaitForResourceAsync(name,
                e => e.Snapshot.Properties.Any(p => p.Name == "executable.pid" && p.Value is not null), Ct);
            pids.Add(e.Snapshot.Properties.First(p => p.Name == "executable.pid").Value!.ToString()!);
        }
        Assert.Equal(Servers.Length, pids.Distinct().Count());
        return [.. pids];
    }

    /// <summary>No server pid alive, and no process anywhere still working in this test's data directory.</summary>
    private void AssertNothingLeft(string[] pids)
    {
        foreach (var pid in pids)
            Assert.False(Directory.Exists($"/proc/{pid}") && !IsZombie(pid), $"process {pid} is still running");
        var left = Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsDigit))
            .Select(p => (Pid: p!, Cmd: ReadCmdline(p!))).Where(p => p.Cmd.Contains(_data, StringComparison.Ordinal) && !IsZombie(p.Pid)).ToList();
        Assert.True(left.Count == 0, "left running: " + string.Join("; ", left.Select(p => $"{p.Pid} {p.Cmd}")));
    }

    private static string ReadCmdline(string pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    private static bool IsZombie(string pid)
    {
        try { return File.ReadAllLines($"/proc/{pid}/status").Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z')); }
        catch (IOException) { return true; }
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
