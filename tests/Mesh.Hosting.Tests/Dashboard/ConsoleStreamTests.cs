using Mesh.Hosting.Dashboard;
using Mesh.Hosting.Tests.AppHost;

namespace Mesh.Hosting.Tests.Dashboard;

/// <summary>The live console (Server-Sent Events) of a real process, as a browser tab reconnecting to it sees it.</summary>
public sealed class ConsoleStreamTests
{
    [Fact]
    public async Task A_tab_resuming_from_a_previous_hosts_position_is_shown_this_hosts_console_from_the_start()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var graph = TestGraph.Options(dir.Path);
        graph.RandomPorts = true;
        graph.Dashboard = new DashboardOptions();
        var builder = DistributedApplication.CreateBuilder(graph);
        builder.AddExecutable("talker", "/bin/sh", ".", "-c", "echo hello-from-talker; exec sleep 60");
        var app = builder.Build();
        try
        {
            await app.StartAsync(ct);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(app.Dashboard!.Url!, "/api/console/talker/stream"));
            // The event id the tab last saw came from an app host that ran before this one (its numbering was further on).
            request.Headers.TryAddWithoutValidation("Last-Event-ID", "100000");
            using var hangGuard = CancellationTokenSource.CreateLinkedTokenSource(ct);
            hangGuard.CancelAfter(TimeSpan.FromSeconds(30));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, hangGuard.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(hangGuard.Token));
            string? line;
            do line = await reader.ReadLineAsync(hangGuard.Token);
            while (line is not null && !line.Contains("hello-from-talker"));
            Assert.Equal("data: hello-from-talker", line);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
