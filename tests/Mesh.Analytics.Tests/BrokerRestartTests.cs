using Mesh.Analytics.Tests.Support;
using Mesh.Analytics.V1;
using Mesh.Servers;
using Mesh.Testing;

namespace Mesh.Analytics.Tests;

/// <summary>Analytics on a broker of its own, which the test stops and starts again on the same data and port.</summary>
public sealed class OwnBrokerFixture(TestServers servers) : AnalyticsFixture(servers)
{
    private RabbitMqOptions _options = null!;

    public RabbitMqServer Broker { get; private set; } = null!;

    protected override async Task<string> BrokerAsync()
    {
        _options = new RabbitMqOptions
        {
            DataDirectory = Path.Combine(Servers.RootDirectory, $"rabbitmq-analytics-{Guid.NewGuid():N}"[..30]),
            LogFile = Path.Combine(Servers.RootDirectory, "logs", "rabbitmq-analytics.log"),
        };
        Broker = await RabbitMqServer.StartAsync(_options, TestContext.Current.CancellationToken);
        _options = _options with { Port = Broker.Port };
        return Broker.ConnectionString;
    }

    public Task StopBrokerAsync() => Broker.StopAsync();

    public async Task StartBrokerAsync() => Broker = await RabbitMqServer.StartAsync(_options, TestContext.Current.CancellationToken);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Broker.StopAsync();
    }
}

/// <summary>Events survive a restart of the broker: the stream is durable, the consumer resumes from its stored offset.</summary>
public sealed class BrokerRestartTests(OwnBrokerFixture fixture) : IClassFixture<OwnBrokerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Events_survive_a_broker_restart_and_ingestion_during_it_is_refused_not_lost()
    {
        var user = Guid.NewGuid().ToString();
        var show = $"shows/{Guid.NewGuid()}";
        Assert.Equal(3, (await fixture.SendAsync(fixture.Event("view", userId: user, item: show), fixture.Event("click", userId: user, item: show),
            fixture.Event("add_to_hold", userId: user, item: show))).Accepted);
        await fixture.ProcessedAtLeastAsync(3);
        // Two more on the stream that the consumer may or may not have counted when the broker goes.
        Assert.Equal(2, (await fixture.SendAsync(fixture.Event("view", userId: user, item: show), fixture.Event("view", userId: user, item: show))).Accepted);

        await fixture.StopBrokerAsync();
        var refused = await Assert.ThrowsAsync<RpcException>(() => fixture.SendAsync(fixture.Event("view", userId: user, item: show)));
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        await fixture.StartBrokerAsync();

        // The client sends again what was refused; ingestion reconnects.
        var again = await Eventually.UntilAsync(async () =>
        {
            try { return (await fixture.SendAsync(fixture.Event("search", userId: user))).Accepted; }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable) { return 0; }
        }, n => n == 1, "ingestion back after the broker restart");

        await fixture.ProcessedAtLeastAsync(6);
        var history = await fixture.Client.GetUserHistoryAsync(new GetUserHistoryRequest { UserId = user }, fixture.Customer(user), cancellationToken: Ct);
        Assert.Equal(6, history.Events.Count);
        Assert.Equal(6, await fixture.ProcessedAsync());
    }
}
