using Mesh.Hosting.Dashboard;
using Mesh.Hosting.Tests.AppHost;

namespace Mesh.Hosting.Tests.Dashboard;

/// <summary>A dashboard on free ports in front of an empty model: enough to exercise the receiver and pages.</summary>
internal sealed class DashboardTestHost : IAsyncDisposable
{
    private readonly ScratchDirectory _dir = new();

    private DashboardTestHost(DistributedApplication app) => App = app;

    public DistributedApplication App { get; }
    public DashboardHost Dashboard => App.Dashboard!;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<DashboardTestHost> StartAsync(DashboardOptions options, CancellationToken ct)
    {
        var dir = new ScratchDirectory();
        var graph = TestGraph.Options(dir.Path);
        graph.RandomPorts = true;
        graph.Dashboard = options;
        var host = new DashboardTestHost(DistributedApplication.CreateBuilder(graph).Build());
        await host.App.StartAsync(ct);
        return host;
    }

    public Uri Otlp(string signal) => new(Dashboard.OtlpEndpoint!, signal);
    public Uri Ui(string path) => new(Dashboard.Url!, path);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        Http.Dispose();
        _dir.Dispose();
    }
}
