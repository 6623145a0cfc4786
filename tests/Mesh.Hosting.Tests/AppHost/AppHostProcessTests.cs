using System.Diagnostics;
using Mesh.Servers.Processes;

namespace Mesh.Hosting.Tests.AppHost;

/// <summary>
/// The real app host, run as its own process as `./mesh up` runs it (with every port allocated, so a mesh a
/// developer runs beside the tests cannot collide): the whole graph, REST edge included, reaches "running",
/// and SIGTERM stops it and every server it started, leaving no process behind.
/// </summary>
public sealed class AppHostProcessTests
{
    [Fact]
    public async Task Sigterm_stops_the_app_host_and_everything_it_started()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new ScratchDirectory();
        var root = DistributedApplicationOptions.FindRoot(AppContext.BaseDirectory)!;
        var dll = Path.Combine(root, "AppHost", "bin", TestGraph.Configuration, "net10.0", "Mesh.AppHost.dll");
        var host = ChildProcess.Start(new ChildProcessSpec("apphost", "dotnet", [dll, "--data", dir.Path, "--no-build", "--no-console", "--random-ports"]));
        try
        {
            var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            host.Log.LineWritten += line => { if (line.Contains("The mesh is running")) running.TrySetResult(); };
            if (host.Log.Last(500).Any(l => l.Contains("The mesh is running"))) running.TrySetResult();
            // A hang guard: a fresh machine boots PostgreSQL, Redis and RabbitMQ cold and seeds the demo catalog first.
            await running.Task.WaitAsync(TimeSpan.FromSeconds(300), ct);
            Assert.NotEmpty(ProcessAssert.ProcessesMentioning(dir.Path)); // its servers run with the data dir in their environment

            Assert.True(Posix.Signal(host.Pid, Posix.SIGTERM));
            Assert.True(await host.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the app host did not exit after SIGTERM:\n" + host.Log);
            Assert.Equal(0, host.ExitCode);
            Assert.Contains(host.Log.Last(100), l => l.Contains("stopping"));
            await ProcessAssert.NoneMentioningAsync(dir.Path, TimeSpan.FromSeconds(10));
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(20));
        }
    }
}
