using System.Net;
using Mesh.Gateway.Tests.Support;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mesh.Gateway.Tests;

/// <summary>A gateway with Gateway:InlineScheduling switched on (requests run on the socket threads).</summary>
public sealed class InlineScheduledGatewayFixture : GatewayFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Gateway:InlineScheduling"] = "true",
    };
}

/// <summary>
/// Gateway:InlineScheduling reaches Kestrel's socket transport (off by default, docs/performance.md §8a), and the
/// edge serves REST over HTTP/1.1 and h2c either way. Every other gateway test runs with the default, the thread pool.
/// </summary>
public sealed class InlineSchedulingTests(InlineScheduledGatewayFixture fixture) : IClassFixture<InlineScheduledGatewayFixture>
{
    [Fact]
    public async Task Switched_on_requests_run_inline_on_the_socket_threads_and_are_served()
    {
        Assert.True(fixture.Gateway.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
        await SchedulingChecks.AssertServedAsync(fixture);
    }
}

public sealed class PoolSchedulingTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task By_default_requests_go_through_the_thread_pool_and_are_served()
    {
        Assert.False(fixture.Gateway.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
        await SchedulingChecks.AssertServedAsync(fixture);
    }
}

internal static class SchedulingChecks
{
    /// <summary>A public GET over HTTP/1.1 and over h2c (prior knowledge): both 200, with the same body.</summary>
    public static async Task AssertServedAsync(GatewayFixture fixture)
    {
        var ct = TestContext.Current.CancellationToken;
        var http1 = await fixture.Client.GetAsync("/v1/shelves/1", ct);
        Assert.Equal(HttpStatusCode.OK, http1.StatusCode);

        using var h2c = new HttpClient
        {
            BaseAddress = fixture.Gateway.Http2Address, DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var http2 = await h2c.GetAsync("/v1/shelves/1", ct);
        Assert.Equal(HttpVersion.Version20, http2.Version);
        Assert.Equal(HttpStatusCode.OK, http2.StatusCode);
        Assert.Equal(await http1.Content.ReadAsStringAsync(ct), await http2.Content.ReadAsStringAsync(ct));
    }
}
