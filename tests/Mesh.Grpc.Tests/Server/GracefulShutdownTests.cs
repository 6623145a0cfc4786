using System.Net.Sockets;
using Mesh.Grpc.Tests.Server.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;
using M = Mesh.Grpc.Tests.Server.Support.TestServiceBase;

namespace Mesh.Grpc.Tests.Server;

/// <summary>
/// Stopping the host lets in-flight calls finish (Kestrel drains up to HostOptions.ShutdownTimeout);
/// calls still running after that are cancelled.
/// </summary>
public sealed class GracefulShutdownTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_in_flight_call_completes_while_the_server_drains()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await GrpcTestServer.StartAsync(shutdownTimeout: TimeSpan.FromSeconds(30));
        var call = RawGrpc.CallAsync(server.Client, M.SleepMethod.FullName, RawGrpc.Frame("x"));
        await server.Probe.Entered.Task.WaitAsync(HangGuard, ct);

        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());
        var stop = server.StopAsync();
        await stopping.Task.WaitAsync(HangGuard, ct);
        await WaitUntilNotAcceptingAsync(server.Address, ct); // Kestrel has closed its listener: the drain has begun

        Assert.False(call.IsCompleted);
        Assert.False(stop.IsCompleted);
        server.Probe.Release.TrySetResult();

        var reply = await call.WaitAsync(HangGuard, ct);
        Assert.Equal(0, reply.Status);
        Assert.Equal(["woke"], reply.Texts);
        await stop.WaitAsync(HangGuard, ct);
    }

    [Fact]
    public async Task A_call_outliving_the_drain_timeout_sees_its_token_fire()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await GrpcTestServer.StartAsync(shutdownTimeout: TimeSpan.FromMilliseconds(200));
        var call = RawGrpc.CallAsync(server.Client, M.WaitForCancelMethod.FullName, RawGrpc.Frame("x"));
        await server.Probe.Entered.Task.WaitAsync(HangGuard, ct);

        await server.StopAsync().WaitAsync(HangGuard, ct);

        await server.Probe.CancellationObserved.Task.WaitAsync(HangGuard, ct);
        await Assert.ThrowsAnyAsync<Exception>(() => call.WaitAsync(HangGuard, ct)); // the connection was cut
    }

    private static async Task WaitUntilNotAcceptingAsync(Uri address, CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(address.Host, address.Port, ct);
            }
            catch (SocketException)
            {
                return;
            }
            await Task.Delay(20, ct);
        }
    }
}
