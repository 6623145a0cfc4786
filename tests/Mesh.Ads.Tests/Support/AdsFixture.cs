using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Mesh.Ads.V1;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Mesh.Ads.Tests.Support;

/// <summary>A signed-in caller: a fresh token per call.</summary>
public sealed class Caller(string id, TestTokens tokens, string[] roles)
{
    public string Id => id;
    public Metadata Bearer => tokens.As(id, roles);
    public string Token => tokens.Mint(id, roles);
}

/// <summary>
/// For one test class: ads in-process as its Program.cs composes it (its own database, its outbox relay to its own
/// RabbitMQ vhost), on a clock the test sets (late in a UTC day, so pacing allows the whole budget unless a test moves
/// it), and the real gateway in front — all on loopback.
/// </summary>
public sealed class AdsFixture(TestServers servers) : IAsyncLifetime
{
    private WebApplication _ads = null!;
    private WebApplication _gateway = null!;

    public TestTokens Tokens { get; } = new();
    public IsolatedData Data { get; } = new(servers);
    public ManualClock Clock { get; } = new(new DateTimeOffset(DateTime.UtcNow.Date.AddHours(23), TimeSpan.Zero));
    public string AdsDb { get; private set; } = "";
    public GrpcChannel Channel { get; private set; } = null!;
    public V1.Ads.AdsClient Client { get; private set; } = null!;
    public Uri GatewayAddress { get; private set; } = null!;

    public Caller NewPartner() => new(Guid.NewGuid().ToString(), Tokens, ["partner"]);
    public Caller NewCustomer() => new(Guid.NewGuid().ToString(), Tokens, ["customer"]);
    public Caller NewAdmin() => new(Guid.NewGuid().ToString(), Tokens, ["admin"]);

    public HttpClient CreateRestClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A valid campaign for <paramref name="city"/> running from an hour ago for a week.</summary>
    public Campaign NewCampaign(string city, BidType bidType = BidType.Cpm, long bid = 1000, long dailyBudget = 10_000, params string[] genres)
    {
        var now = Clock.GetUtcNow().UtcDateTime;
        return new Campaign
        {
            Name = "Autumn thrillers", Creative = new Creative { Title = "Thrillers", Body = "Tonight", TargetUrl = "https://example.com/thrillers" },
            Targeting = new Targeting { Cities = { city }, Genres = { genres } },
            StartTime = Timestamp.FromDateTime(now.AddHours(-1)), EndTime = Timestamp.FromDateTime(now.AddDays(7)),
            DailyBudgetMinor = dailyBudget, Currency = "EUR", BidType = bidType, BidMinor = bid,
        };
    }

    /// <summary>Creates the campaign as a new partner and has staff approve it.</summary>
    public async Task<(Campaign Campaign, Caller Partner)> ApprovedAsync(Campaign campaign)
    {
        var partner = NewPartner();
        var created = await Client.CreateCampaignAsync(new CreateCampaignRequest { Campaign = campaign }, partner.Bearer);
        var approved = await Client.ApproveCampaignAsync(new ApproveCampaignRequest { Id = created.Id }, NewAdmin().Bearer);
        return (approved, partner);
    }

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(AdsDb);
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException($"No value: {sql}");
    }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        AdsDb = await Data.PostgresConnectionStringAsync() + ";Maximum Pool Size=40;Timeout=120";
        var builder = InProcessService.CreateBuilder(typeof(AdsApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:adsdb"] = AdsDb,
            ["ConnectionStrings:messaging"] = await Data.RabbitMqConnectionStringAsync(),
            ["Mesh:Outbox:PollInterval"] = "00:00:00.1",
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.AddServiceDefaults();
        builder.AddAds();
        builder.AddOutboxRelay("messaging");   // as Program.cs
        _ads = builder.Build();
        await _ads.MigrateAdsDatabaseAsync();
        _ads.MapAds();
        _ads.MapDefaultEndpoints();
        await _ads.StartAsync(ct);
        var endpoints = _ads.Services.GetRequiredService<ServiceEndpoints>();
        Channel = GrpcChannel.ForAddress(endpoints.GrpcAddress);
        Client = new V1.Ads.AdsClient(Channel);

        var gatewayBuilder = InProcessService.CreateBuilder(typeof(GatewayExtensions), new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            ["services:ads:http:0"] = endpoints.HttpAddress.ToString(),
            ["Gateway:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Gateway:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        gatewayBuilder.AddGateway(services => services.Add(V1.Ads.Descriptor, "ads"));
        _gateway = gatewayBuilder.Build();
        _gateway.MapGateway();
        await _gateway.StartAsync(ct);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        foreach (var app in new WebApplication?[] { _gateway, _ads })
            if (app is not null) { await app.StopAsync(CancellationToken.None); await app.DisposeAsync(); }
    }
}
