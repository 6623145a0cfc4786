using System.Text.Json;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Mesh.Ads.V1;
using Mesh.ServiceDefaults.Hosting;
using Mesh.ServiceDefaults.Messaging;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using RabbitMQ.Client;

namespace Mesh.Feed.Tests.Support;

/// <summary>A signed-in caller: a fresh token per call.</summary>
public sealed class Caller(string id, TestTokens tokens, string[] roles)
{
    public string Id => id;
    public Metadata Bearer => tokens.As(id, roles);
    public string Token => tokens.Mint(id, roles);
}

/// <summary>
/// For one test class: test doubles of the catalog, rating, booking and analytics contracts (one in-process server),
/// the REAL ads service in-process (its own database), feed in-process as its Program.cs composes it (its own
/// database, the shared Redis under its own prefix, its booking-events consumer on its own RabbitMQ vhost), and the
/// real gateway in front. <see cref="AnalyticsUp"/> and <see cref="RatingUp"/> false point those clients at a port
/// where nothing listens: the service is down.
/// </summary>
public class FeedFixture(TestServers servers) : IAsyncLifetime
{
    private WebApplication _upstreams = null!;
    private WebApplication _ads = null!;
    private WebApplication _feed = null!;
    private WebApplication _gateway = null!;

    protected virtual bool AnalyticsUp => true;
    protected virtual bool RatingUp => true;

    public TestTokens Tokens { get; } = new();
    public IsolatedData FeedData { get; } = new(servers);
    public IsolatedData AdsData { get; } = new(servers);
    public FakeCatalog Catalog { get; } = new();
    public FakeRating Rating { get; } = new();
    public FakeAnalytics Analytics { get; } = new();
    public FakeBooking Booking { get; } = new();
    public string FeedDb { get; private set; } = "";
    public string AdsDb { get; private set; } = "";
    public V1.Feed.FeedClient Client { get; private set; } = null!;
    public Mesh.Ads.V1.Ads.AdsClient Ads { get; private set; } = null!;
    public Uri GatewayAddress { get; private set; } = null!;
    private readonly List<GrpcChannel> _channels = [];
    private string _broker = "";

    public Caller NewCustomer() => new(Guid.NewGuid().ToString(), Tokens, ["customer"]);
    public Caller NewPartner() => new(Guid.NewGuid().ToString(), Tokens, ["partner"]);
    public Caller NewAdmin() => new(Guid.NewGuid().ToString(), Tokens, ["admin"]);

    public HttpClient CreateRestClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    public static string NewCity() => $"c{Guid.NewGuid():N}";

    /// <summary>
    /// booking.confirmed for each show, published on mesh.events as booking's outbox publishes it; returns once feed's
    /// consumer has recorded all of them (it waits for the consumer's transaction, never for a fixed time).
    /// </summary>
    public async Task ConfirmBookingsAsync(string userId, params string[] showIds)
    {
        var factory = new ConnectionFactory { Uri = new Uri(_broker) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        // Declared and bound as feed's consumer declares them, so nothing published before it started is lost.
        await channel.ExchangeDeclareAsync(MessagingNames.DefaultExchange, ExchangeType.Topic, durable: true);
        await channel.QueueDeclareAsync(Workers.BookingEventsConsumer.Queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(Workers.BookingEventsConsumer.Queue, MessagingNames.DefaultExchange, "booking.confirmed");
        var bookings = new List<Guid>();
        foreach (var show in showIds)
        {
            var bookingId = Guid.CreateVersion7();
            bookings.Add(bookingId);
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                BookingId = bookingId, UserId = userId, HoldId = Guid.NewGuid(), ShowId = Guid.Parse(show), ServiceId = (Guid?)null,
                StartsAt = Catalog.StartOf(show), Amount = 1200L, Currency = "EUR", PaymentId = Guid.NewGuid(), Tickets = 1,
            });
            await channel.BasicPublishAsync(MessagingNames.DefaultExchange, "booking.confirmed", false,
                new BasicProperties { MessageId = Guid.CreateVersion7().ToString(), Type = "booking.confirmed", ContentType = "application/json" }, body);
        }
        await using var db = new NpgsqlConnection(FeedDb);
        for (var i = 0; i < 600; i++)
        {
            if (await db.ExecuteScalarAsync<long>("SELECT count(*) FROM booked WHERE booking_id = ANY(@bookings)", new { bookings = bookings.ToArray() }) == bookings.Count) return;
            await Task.Delay(100);
        }
        throw new TimeoutException("feed did not record the bookings within a minute");
    }

    /// <summary>Creates a campaign for the city as a new partner and has staff approve it (the real ads service).</summary>
    public async Task<Campaign> ApprovedCampaignAsync(string city, long bid = 1000)
    {
        var now = DateTime.UtcNow;
        var created = await Ads.CreateCampaignAsync(new CreateCampaignRequest
        {
            Campaign = new Campaign
            {
                Name = "Promo", Creative = new Creative { Title = "See it first", TargetUrl = "https://example.com/promo" }, Targeting = new Targeting { Cities = { city } },
                StartTime = Timestamp.FromDateTime(now.AddHours(-1)), EndTime = Timestamp.FromDateTime(now.AddDays(2)), DailyBudgetMinor = 10_000, Currency = "EUR",
                BidType = BidType.Cpm, BidMinor = bid,
            },
        }, NewPartner().Bearer);
        return await Ads.ApproveCampaignAsync(new ApproveCampaignRequest { Id = created.Id }, NewAdmin().Bearer);
    }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var upstreamsBuilder = InProcessService.CreateBuilder(null, []);
        upstreamsBuilder.AddServiceDefaults();
        upstreamsBuilder.Services.AddSingleton(Catalog).AddSingleton(Rating).AddSingleton(Analytics).AddSingleton(Booking);
        _upstreams = upstreamsBuilder.Build();
        _upstreams.MapGrpcService<FakeCatalog>();
        _upstreams.MapGrpcService<FakeRating>();
        _upstreams.MapGrpcService<FakeAnalytics>();
        _upstreams.MapGrpcService<FakeBooking>();
        await _upstreams.StartAsync(ct);
        var upstreams = _upstreams.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress.ToString();
        const string nobody = "http://127.0.0.1:9";   // discard port: nothing listens, a call fails at once

        AdsDb = await AdsData.PostgresConnectionStringAsync();
        var adsBuilder = InProcessService.CreateBuilder(typeof(Mesh.Ads.AdsApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:adsdb"] = AdsDb,
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        adsBuilder.AddServiceDefaults();
        adsBuilder.AddAds();
        _ads = adsBuilder.Build();
        await _ads.MigrateAdsDatabaseAsync();
        _ads.MapAds();
        _ads.MapDefaultEndpoints();
        await _ads.StartAsync(ct);
        var adsAddress = _ads.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;
        var adsChannel = GrpcChannel.ForAddress(adsAddress);
        _channels.Add(adsChannel);
        Ads = new Mesh.Ads.V1.Ads.AdsClient(adsChannel);

        FeedDb = await FeedData.PostgresConnectionStringAsync();
        _broker = await FeedData.RabbitMqConnectionStringAsync();
        var feedBuilder = InProcessService.CreateBuilder(typeof(FeedApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:feeddb"] = FeedDb,
            ["ConnectionStrings:cache"] = await FeedData.RedisConnectionStringAsync(),
            ["Feed:RedisKeyPrefix"] = FeedData.RedisKeyPrefix,
            ["Feed:UpstreamDeadline"] = "00:00:05",   // generous: a loaded CI box must not turn a slow answer into a missing section
            ["ConnectionStrings:messaging"] = _broker,
            ["services:catalog:grpc:0"] = upstreams,
            ["services:booking:grpc:0"] = upstreams,
            ["services:rating:grpc:0"] = RatingUp ? upstreams : nobody,
            ["services:analytics:grpc:0"] = AnalyticsUp ? upstreams : nobody,
            ["services:ads:grpc:0"] = adsAddress.ToString(),
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        feedBuilder.AddServiceDefaults();
        feedBuilder.AddFeed();
        _feed = feedBuilder.Build();
        await _feed.MigrateFeedDatabaseAsync();
        _feed.MapFeed();
        _feed.MapDefaultEndpoints();
        await _feed.StartAsync(ct);
        var endpoints = _feed.Services.GetRequiredService<ServiceEndpoints>();
        var channel = GrpcChannel.ForAddress(endpoints.GrpcAddress);
        _channels.Add(channel);
        Client = new V1.Feed.FeedClient(channel);

        var gatewayBuilder = InProcessService.CreateBuilder(typeof(GatewayExtensions), new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            ["services:feed:http:0"] = endpoints.HttpAddress.ToString(),
            ["Gateway:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Gateway:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        gatewayBuilder.AddGateway(services => services.Add(V1.Feed.Descriptor, "feed"));
        _gateway = gatewayBuilder.Build();
        _gateway.MapGateway();
        await _gateway.StartAsync(ct);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels) channel.Dispose();
        foreach (var app in new WebApplication?[] { _gateway, _feed, _ads, _upstreams })
            if (app is not null) { await app.StopAsync(CancellationToken.None); await app.DisposeAsync(); }
    }
}

/// <summary>The same mesh with analytics and rating down (nothing listens where their clients call).</summary>
public sealed class AnalyticsAndRatingDownFixture(TestServers servers) : FeedFixture(servers)
{
    protected override bool AnalyticsUp => false;
    protected override bool RatingUp => false;
}
