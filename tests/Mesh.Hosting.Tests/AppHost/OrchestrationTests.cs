using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mesh.Hosting.Tests.AppHost;

/// <summary>
/// A real graph — PostgreSQL, a database, a test service ×2 replicas and a service that depends on it —
/// started, crashed, restarted and stopped by the orchestrator, observed by pids and HTTP.
/// </summary>
public sealed class OrchestrationTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task A_graph_starts_in_order_restarts_a_crashed_replica_and_stops_without_leftovers()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var builder = DistributedApplication.CreateBuilder(TestGraph.Options(dir.Path));
        var pg = builder.AddPostgres("postgres");
        var db = pg.AddDatabase("itemsdb");
        var items = builder.AddProject("items", TestGraph.TestService).WithReference(db).WaitFor(db).WithReplicas(2);
        builder.AddProject("front", TestGraph.TestService).WithReference(items).WaitFor(items);
        var app = builder.Build();

        var transitions = new ConcurrentQueue<string>();
        foreach (var instance in app.Instances)
            instance.StateChanged += i => transitions.Enqueue($"{i.DisplayName}:{i.State}");

        var pids = new List<int>();
        try
        {
            await app.StartAsync(ct);
            Assert.All(app.Instances, i => Assert.Equal(ResourceState.Running, i.State));
            pids.AddRange(app.Instances.Where(i => i.Pid is not null).Select(i => i.Pid!.Value));

            // Order: a dependant starts only after what it waits for is running.
            var log = transitions.ToList();
            Assert.True(log.IndexOf("itemsdb:Running") < log.IndexOf("items-0:Starting"), string.Join(", ", log));
            Assert.True(log.IndexOf("items-0:Running") < log.IndexOf("front:Starting"), string.Join(", ", log));
            Assert.True(log.IndexOf("items-1:Running") < log.IndexOf("front:Starting"), string.Join(", ", log));

            // Each process got its configuration: the dependant sees both replicas of its upstream.
            var front = await GetConfigAsync(app.InstancesOf("front")[0], ct);
            Assert.Equal(app.InstancesOf("items")[0].Endpoints["http"].ToString().TrimEnd('/').Replace("127.0.0.1", "localhost"),
                front.GetProperty("services").GetProperty("services:items:http:0").GetString());
            Assert.True(front.GetProperty("services").TryGetProperty("services:items:http:1", out _));
            var item0 = await GetConfigAsync(app.InstancesOf("items")[0], ct);
            Assert.Contains("Database=itemsdb", item0.GetProperty("connectionStrings").GetProperty("itemsdb").GetString());

            // A crash (SIGKILL) is followed by a restart, healthy again, with a new pid.
            var victim = app.InstancesOf("items")[0];
            var oldPid = victim.Pid!.Value;
            app.Restart("items", 0);
            await WaitUntilAsync(() => victim.RestartCount == 1 && victim.State == ResourceState.Running, ct);
            Assert.NotEqual(oldPid, victim.Pid);
            pids.Add(victim.Pid!.Value);
            ProcessAssert.AllGone([oldPid]);
            Assert.Equal(victim.Pid, (await GetConfigAsync(victim, ct)).GetProperty("pid").GetInt32());
        }
        finally
        {
            await app.StopAsync();
        }
        Assert.All(app.Instances, i => Assert.Equal(ResourceState.Stopped, i.State));
        ProcessAssert.AllGone(pids);
    }

    [Fact]
    public async Task A_replica_stopped_during_its_crash_back_off_stays_stopped_until_started()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var builder = DistributedApplication.CreateBuilder(TestGraph.Options(dir.Path));
        // Runs a moment, then crashes: the supervisor waits its back-off (1 s) before launching it again.
        builder.AddExecutable("flaky", "/bin/sh", ".", "-c", "sleep 1; exit 1");
        var app = builder.Build();
        try
        {
            await app.StartAsync(ct);
            var flaky = app.InstancesOf("flaky")[0];
            await WaitUntilAsync(() => flaky.State == ResourceState.Exited && flaky.StateDetail?.Contains("restarting in") == true, ct);

            // A slow poll may see the back-off late (or the next one): count restarts from the stop on.
            Assert.True(await app.StopInstanceAsync("flaky"));
            var restarts = flaky.RestartCount;
            // Well past the back-off: nothing launched it again.
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            Assert.Equal(ResourceState.Exited, flaky.State);
            Assert.Null(flaky.Pid);
            Assert.Equal(restarts, flaky.RestartCount);

            Assert.True(await app.StartInstanceAsync("flaky", ct));
            await WaitUntilAsync(() => flaky.Pid is not null, ct);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task A_broken_resource_fails_start_up_with_its_name_and_log_tail_and_nothing_is_left()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var builder = DistributedApplication.CreateBuilder(TestGraph.Options(dir.Path));
        var pg = builder.AddPostgres("postgres");
        builder.AddExecutable("broken", "/bin/sh", ".", "-c", "echo 'boom: cannot read config' >&2; sleep 0.2; exit 3")
            .WithHttpEndpoint().WithHttpHealthCheck().WaitFor(pg);
        var app = builder.Build();

        var ex = await Assert.ThrowsAsync<ServerStartException>(() => app.StartAsync(ct));
        Assert.Equal("broken", ex.ServerName);
        Assert.Contains("exited with code 3", ex.Reason);
        Assert.Contains("boom: cannot read config", ex.LogTail);

        var pgPid = app.InstancesOf("postgres")[0].Pid;
        Assert.NotNull(pgPid); // it had started before the broken one ran …
        ProcessAssert.AllGone([pgPid!.Value]); // … and was stopped when start-up failed
    }

    [Fact]
    public async Task A_command_that_does_not_exist_fails_start_up_naming_the_resource()
    {
        using var dir = new ScratchDirectory();
        var builder = DistributedApplication.CreateBuilder(TestGraph.Options(dir.Path));
        builder.AddExecutable("ghost", "/nonexistent/ghost-binary", ".");
        var app = builder.Build();

        var ex = await Assert.ThrowsAsync<ServerStartException>(() => app.StartAsync(TestContext.Current.CancellationToken));
        Assert.Equal("ghost", ex.ServerName);
        Assert.Contains("could not run", ex.Reason);
    }

    private static async Task<JsonElement> GetConfigAsync(ResourceInstance instance, CancellationToken ct) =>
        await Http.GetFromJsonAsync<JsonElement>(new Uri(instance.Endpoints["http"], "/config"), ct);

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        // A hang guard, not a timing assertion: the restart back-off starts at 1 s.
        for (var i = 0; i < 600 && !condition(); i++) await Task.Delay(100, ct);
        Assert.True(condition(), "condition not reached within 60 s");
    }
}
