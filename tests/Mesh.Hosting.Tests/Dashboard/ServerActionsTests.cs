using Mesh.Hosting.Dashboard;
using Mesh.Hosting.Tests.AppHost;
using Npgsql;
using StackExchange.Redis;

namespace Mesh.Hosting.Tests.Dashboard;

/// <summary>
/// Servers get the same start / stop / restart actions as services: through the dashboard's API a Redis server is
/// stopped (its process gone, state Exited, and it stays down), started again on the same port (its connection
/// string keeps working) and restarted.
/// </summary>
public sealed class ServerActionsTests
{
    [Fact]
    public async Task A_server_is_stopped_started_and_restarted_from_the_dashboard_on_the_same_port()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var options = TestGraph.Options(dir.Path);
        options.RandomPorts = true;
        options.Dashboard = new DashboardOptions();
        var builder = DistributedApplication.CreateBuilder(options);
        var cache = builder.AddRedis("cache");
        await using var app = builder.Build();
        await app.StartAsync(ct);
        var instance = app.InstancesOf("cache")[0];
        var connection = cache.Resource.GetConnectionString();
        var firstPid = instance.Pid!.Value;
        using var http = new HttpClient { BaseAddress = app.Dashboard!.Url, Timeout = TimeSpan.FromSeconds(60) };

        using (var stop = await http.PostAsync("/api/resources/cache/stop", null, ct))
            Assert.Equal(202, (int)stop.StatusCode);
        Assert.Equal(ResourceState.Exited, instance.State);
        Assert.Null(instance.Pid);
        ProcessAssert.AllGone([firstPid]);
        var table = await http.GetStringAsync("/resources/table", ct);
        Assert.Contains("data-resource=\"cache\" data-state=\"Exited\" data-pid=\"\"", table);

        using (var start = await http.PostAsync("/api/resources/cache/start", null, ct))
            Assert.Equal(202, (int)start.StatusCode);
        Assert.Equal(ResourceState.Running, instance.State);
        var secondPid = instance.Pid!.Value;
        Assert.NotEqual(firstPid, secondPid);
        using (var redis = await ConnectionMultiplexer.ConnectAsync(connection))
        {
            // The connection string handed out before the stop still reaches it.
            await redis.GetDatabase().StringSetAsync("after-start", "yes");
            Assert.Equal("yes", (string?)await redis.GetDatabase().StringGetAsync("after-start"));
        }

        using (var restart = await http.PostAsync("/api/resources/cache/restart", null, ct))
            Assert.Equal(202, (int)restart.StatusCode);
        Assert.Equal(ResourceState.Running, instance.State);
        Assert.NotEqual(secondPid, instance.Pid!.Value);
        Assert.Equal(1, instance.RestartCount);
        ProcessAssert.AllGone([secondPid]);

        using (var unknown = await http.PostAsync("/api/resources/nothing/stop", null, ct))
            Assert.Equal(404, (int)unknown.StatusCode);
    }

    [Fact]
    public async Task A_database_goes_down_and_comes_back_with_its_server_and_keeps_its_data()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var options = TestGraph.Options(dir.Path);
        options.RandomPorts = true;
        options.Dashboard = new DashboardOptions();
        var builder = DistributedApplication.CreateBuilder(options);
        var db = builder.AddPostgres("postgres").AddDatabase("itemsdb");
        await using var app = builder.Build();
        await app.StartAsync(ct);
        var server = app.InstancesOf("postgres")[0];
        // Unpooled: a pooled connection would be one the restart killed.
        var connectionString = db.Resource.GetConnectionString() + ";Pooling=false";
        var database = app.InstancesOf("itemsdb")[0];
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(ct);
            await using var create = new NpgsqlCommand("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
        using var http = new HttpClient { BaseAddress = app.Dashboard!.Url, Timeout = TimeSpan.FromSeconds(60) };

        // A database has no process of its own: no actions; it follows its server.
        using (var direct = await http.PostAsync("/api/resources/itemsdb/stop", null, ct))
            Assert.Equal(409, (int)direct.StatusCode);
        Assert.DoesNotContain("/api/resources/itemsdb/", await http.GetStringAsync("/resources/table", ct));

        var pid = server.Pid!.Value;
        using (var stop = await http.PostAsync("/api/resources/postgres/stop", null, ct))
            Assert.Equal(202, (int)stop.StatusCode);
        Assert.Equal((ResourceState.Exited, ResourceState.Exited), (server.State, database.State));
        ProcessAssert.AllGone([pid]);

        using (var start = await http.PostAsync("/api/resources/postgres/start", null, ct))
            Assert.Equal(202, (int)start.StatusCode);
        Assert.Equal((ResourceState.Running, ResourceState.Running), (server.State, database.State));
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(ct);
            await using var read = new NpgsqlCommand("SELECT v FROM kept", connection);
            Assert.Equal(42, await read.ExecuteScalarAsync(ct));
        }
    }
}
