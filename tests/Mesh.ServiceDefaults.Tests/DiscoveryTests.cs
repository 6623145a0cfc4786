using Mesh.ServiceDefaults.Tests.Proto;
using Mesh.ServiceDefaults.Tests.Support;

namespace Mesh.ServiceDefaults.Tests;

/// <summary>Replicas come from Aspire's configuration keys (services:NAME:grpc:0, :1 …) through service discovery.</summary>
public sealed class DiscoveryTests
{
    [Fact]
    public async Task Two_replicas_of_a_service_both_receive_calls_from_one_client()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var first = await ServiceHost.StartAsync("replica-0");
        await using var second = await ServiceHost.StartAsync("replica-1");
        await using var caller = await TestClient.StartAsync([first.GrpcAddress, second.GrpcAddress], service: "replicated");

        const int calls = 20;
        var servedBy = new List<string>();
        for (var i = 0; i < calls; i++)
            servedBy.Add((await caller.Client.ReadAsync(new ProbeRequest { Key = $"spread-{i}" }, cancellationToken: ct)).Server);

        Assert.Contains("replica-0", servedBy);
        Assert.Contains("replica-1", servedBy);
        Assert.True(first.State.Total > 0 && second.State.Total > 0, $"replica-0: {first.State.Total}, replica-1: {second.State.Total}");
        Assert.Equal(calls, first.State.Total + second.State.Total);   // each call answered once, by one of them
    }
}
