using System.Net;
using System.Text;
using System.Text.Json;
using Mesh.Gateway.Tests.Support;

namespace Mesh.Gateway.Tests;

/// <summary>
/// The backend channel's retries come from the contract: a NO_SIDE_EFFECTS method is sent again after UNAVAILABLE,
/// a method without an idempotency level never is.
/// </summary>
public sealed class RetryTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Idempotent_method_is_retried_after_unavailable()
    {
        var before = fixture.Backend.State.CallsTo("GetShelf");
        var response = await fixture.Client.GetAsync("/v1/shelves/503", Ct); // GetShelf: NO_SIDE_EFFECTS
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, fixture.Backend.State.CallsTo("GetShelf") - before); // failed once, then answered
    }

    [Fact]
    public async Task Method_with_side_effects_is_sent_once()
    {
        var before = fixture.Backend.State.CallsTo("Fail");
        var response = await fixture.Client.PostAsync("/v1/fail",
            new StringContent("""{"code":14,"message":"down"}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, fixture.Backend.State.CallsTo("Fail") - before);
    }
}

/// <summary>A breaker that stays open for the whole test once it opens.</summary>
public sealed class BreakerFixture : GatewayFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Mesh:Resilience:CircuitBreaker:BreakDuration"] = "00:10:00",
        ["Mesh:Resilience:CircuitBreaker:SamplingDuration"] = "00:10:00",
    };
}

/// <summary>Repeated UNAVAILABLE from a backend opens its circuit: the edge then answers 503 without sending the call.</summary>
public sealed class CircuitBreakerTests(BreakerFixture fixture) : IClassFixture<BreakerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Failing_backend_opens_the_circuit_and_later_calls_are_not_sent()
    {
        for (var i = 0; i < 5; i++) // Mesh:Resilience:CircuitBreaker defaults: 5 calls at least, half of them failed
        {
            var failed = await fixture.Client.PostAsync("/v1/fail",
                new StringContent("""{"code":14,"message":"down"}""", Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        var before = fixture.Backend.State.CallsTo("GetShelf");
        var response = await fixture.Client.GetAsync("/v1/shelves/1", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, text);
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(14, json.GetProperty("code").GetInt32());
        Assert.Contains("circuit to 'library' is open", json.GetProperty("message").GetString());
        Assert.Equal(before, fixture.Backend.State.CallsTo("GetShelf"));
    }
}
