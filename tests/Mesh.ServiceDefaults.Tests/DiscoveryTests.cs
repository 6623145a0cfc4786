using System.Net;
using Mesh.ServiceDefaults.Discovery;
using Mesh.ServiceDefaults.Resilience;
using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace Mesh.ServiceDefaults.Tests;

public sealed class DiscoveryTests
{
    [Fact]
    public async Task Three_endpoints_share_the_calls_and_a_dead_one_is_ejected_then_used_again_when_back()
    {
        var clock = new ManualClock();
        await using var a = await ServiceHost.StartAsync("a");
        var b = await ServiceHost.StartAsync("b");
        await using var c = await ServiceHost.StartAsync("c");
        var bAddress = b.GrpcAddress;
        await using var caller = TestClient.For([a.GrpcAddress, bAddress, c.GrpcAddress], o =>
        {
            o.TimeProvider = clock;
            o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
        });
        var ct = TestContext.Current.CancellationToken;

        for (var i = 0; i < 30; i++) await caller.Client.ReadAsync(new ProbeRequest { Key = $"spread-{i}" }, cancellationToken: ct);
        Assert.All(new[] { a, b, c }, host => Assert.True(host.State.Total > 0, $"{host.State.Name} got no call"));

        // Kill b: every call still succeeds (the request to b never leaves the client), and b is ejected.
        await b.DisposeAsync();
        var aBefore = a.State.Total;
        var cBefore = c.State.Total;
        for (var i = 0; i < 30; i++)
        {
            var reply = await caller.Client.ReadAsync(new ProbeRequest { Key = $"dead-{i}" }, cancellationToken: ct);
            Assert.NotEqual("b", reply.Server);
        }
        Assert.Equal(30, a.State.Total - aBefore + (c.State.Total - cBefore)); // each call answered once, by a or c
        Assert.Equal(CircuitState.Open, caller.Channel.Picker.StateOf(bAddress));

        // b comes back on the same port; once its break is over a probe finds it, and it gets calls again.
        await using var revived = await ServiceHost.StartAsync("b2", grpcPort: bAddress.Port);
        clock.Advance(TimeSpan.FromSeconds(6));
        await Wait.UntilAsync(async () =>
        {
            await caller.Client.ReadAsync(new ProbeRequest { Key = "back" }, cancellationToken: ct);
            return revived.State.Total > 0;
        }, "the revived endpoint gets a call");
        Assert.Equal(CircuitState.Closed, caller.Channel.Picker.StateOf(bAddress));
    }

    [Fact]
    public void Endpoints_come_from_the_grpc_keys_then_the_http_keys_then_the_name_itself()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["services:booking:grpc:0"] = "http://10.0.0.1:5001",
            ["services:booking:grpc:1"] = "http://10.0.0.2:5001",
            ["services:booking:http:0"] = "http://10.0.0.9:80",
            ["services:catalog:http:0"] = "http://10.0.0.3:8080",
        }).Build();
        var resolver = new ServiceEndpointResolver(config, new DiscoveryOptions { DefaultGrpcPort = 7000 });

        Assert.Equal(["http://10.0.0.1:5001/", "http://10.0.0.2:5001/"], resolver.GetConfigured("booking").Select(u => u.ToString()));
        Assert.Equal(["http://10.0.0.3:8080/"], resolver.GetConfigured("catalog").Select(u => u.ToString()));
        Assert.Equal(["http://payment:7000/"], resolver.GetConfigured("payment").Select(u => u.ToString()));
    }

    [Fact]
    public async Task A_dns_name_becomes_every_address_it_resolves_to_and_is_resolved_again()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["services:booking:grpc:0"] = "http://booking.mesh.svc:5001",
        }).Build();
        var answers = new Queue<IPAddress[]>([
            [IPAddress.Parse("10.1.0.1"), IPAddress.Parse("10.1.0.2")],
            [IPAddress.Parse("10.1.0.2"), IPAddress.Parse("10.1.0.3"), IPAddress.Parse("fd00::7")],
        ]);
        var looked = new List<string>();
        var resolver = new ServiceEndpointResolver(config, new DiscoveryOptions(), (host, _) =>
        {
            lock (looked) looked.Add(host);
            return Task.FromResult(answers.Count > 1 ? answers.Dequeue() : answers.Peek());
        });
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(["http://10.1.0.1:5001/", "http://10.1.0.2:5001/"],
            (await resolver.ResolveAsync("booking", ct)).Select(u => u.ToString()));

        // The picker keeps the breaker of an endpoint that stays and adds the new ones.
        using var picker = new ServiceEndpointPicker(await resolver.ResolveAsync("booking", ct), new CircuitBreakerOptions(), TimeProvider.System);
        Assert.Equal(["http://10.1.0.2:5001/", "http://10.1.0.3:5001/", "http://[fd00::7]:5001/"], picker.Endpoints.Select(u => u.ToString()));
        Assert.All(looked, host => Assert.Equal("booking.mesh.svc", host));
    }
}
