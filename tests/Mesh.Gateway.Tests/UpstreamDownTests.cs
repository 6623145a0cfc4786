using System.Net;
using System.Text.Json;
using Mesh.Gateway.Tests.Support;
using Mesh.Servers.Processes;

namespace Mesh.Gateway.Tests;

/// <summary>An edge whose service is not there: its routes answer 503 UNAVAILABLE with the error body, and /health says Degraded.</summary>
public sealed class UpstreamDownTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unreachable_service_is_503_unavailable_and_the_edge_is_degraded_not_down()
    {
        await using var gateway = await GatewayHost.StartAsync(new Uri($"http://127.0.0.1:{LoopbackPorts.GetFree()}"), new Tokens());
        using var client = gateway.CreateClient();

        var response = await client.GetAsync("/v1/shelves/1", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, text);
        var error = JsonDocument.Parse(text).RootElement;
        Assert.Equal(14, error.GetProperty("code").GetInt32());
        Assert.Contains("library", error.GetProperty("message").GetString());

        var health = await client.GetAsync("/health", Ct);
        var report = JsonDocument.Parse(await health.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Degraded", report.GetProperty("status").GetString());
        Assert.Equal("Degraded", report.GetProperty("checks").GetProperty("upstream:library").GetProperty("status").GetString());
        Assert.Equal("Healthy", report.GetProperty("checks").GetProperty("self").GetProperty("status").GetString());
    }
}
