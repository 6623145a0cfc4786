using System.Net;
using System.Net.Sockets;

namespace Mesh.Hosting.Tests.AppHost;

/// <summary>
/// `./mesh up` keeps its ports from run to run (saved connection strings and URLs keep working), takes a
/// new one when a remembered port is busy, and throw-away runs remember nothing. Nothing is started.
/// </summary>
public sealed class RememberedPortsTests
{
    private static DistributedApplication Build(string dataDirectory, bool ephemeral)
    {
        var options = TestGraph.Options(dataDirectory);
        options.Ephemeral = ephemeral;
        var builder = DistributedApplication.CreateBuilder(options);
        builder.AddPostgres("postgres");
        builder.AddProject("svc", TestGraph.TestService);
        return builder.Build();
    }

    private static int PostgresPort(DistributedApplication app) => ((PostgresServerResource)app.Model["postgres"]).Port!.Value;

    [Fact]
    public async Task A_persistent_mesh_gets_the_same_ports_on_the_next_run()
    {
        using var dir = new ScratchDirectory();
        var first = Build(dir.Path, ephemeral: false);
        await first.StopAsync(); // the next run comes after this one has ended (and given its ports back)
        var second = Build(dir.Path, ephemeral: false);

        Assert.Equal(PostgresPort(first), PostgresPort(second));
        Assert.Equal(first.InstancesOf("svc")[0].Endpoints["grpc"], second.InstancesOf("svc")[0].Endpoints["grpc"]);
        Assert.True(File.Exists(Path.Combine(dir.Path, "ports.json")));
    }

    [Fact]
    public async Task A_remembered_port_that_is_busy_now_is_replaced()
    {
        using var dir = new ScratchDirectory();
        var first = Build(dir.Path, ephemeral: false);
        var old = PostgresPort(first);
        await first.StopAsync();
        using var squatter = new TcpListener(IPAddress.Loopback, old);
        squatter.Start();

        var second = Build(dir.Path, ephemeral: false);
        var replaced = PostgresPort(second);
        await second.StopAsync();

        Assert.NotEqual(old, replaced);
        Assert.Equal(replaced, PostgresPort(Build(dir.Path, ephemeral: false))); // and the new one is remembered
    }

    [Fact]
    public void A_throw_away_mesh_remembers_nothing()
    {
        using var dir = new ScratchDirectory();
        Build(dir.Path, ephemeral: true);
        Assert.False(File.Exists(Path.Combine(dir.Path, "ports.json")));
    }
}
