using Dapper;
using Grpc.Net.Client;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Mesh.Rating.Tests.Support;

/// <summary>A signed-in caller: a fresh token per call.</summary>
public sealed class Caller(string id, TestTokens tokens, string[] roles)
{
    public string Id => id;
    public Metadata Bearer => tokens.As(id, roles);
    public string Token => tokens.Mint(id, roles);
}

/// <summary>
/// For one test class: the catalog fake, the REAL booking service in-process (its own database; the bookings a test
/// needs are written into it as checkout leaves them: a hold and its booking, CONFIRMED or CANCELLED, starting when
/// the test says), rating in-process as its Program.cs composes it (its own database, the shared Redis under its own
/// prefix, its outbox relay to its own RabbitMQ vhost), and the real gateway in front — all on loopback.
/// </summary>
public sealed class RatingFixture(TestServers servers) : IAsyncLifetime
{
    public const string City = "berlin";
    public const int ReportsToHide = 3;

    private WebApplication _catalog = null!;
    private WebApplication _booking = null!;
    private WebApplication _rating = null!;
    private WebApplication _gateway = null!;

    public TestTokens Tokens { get; } = new();
    public IsolatedData BookingData { get; } = new(servers);
    public IsolatedData RatingData { get; } = new(servers);
    public FakeCatalog Catalog { get; } = new();
    public string BookingDb { get; private set; } = "";
    public string RatingDb { get; private set; } = "";
    public GrpcChannel Channel { get; private set; } = null!;
    public V1.Rating.RatingClient Client { get; private set; } = null!;
    public Uri GatewayAddress { get; private set; } = null!;
    public IServiceProvider RatingServices => _rating.Services;

    public Caller NewCustomer() => new(Guid.NewGuid().ToString(), Tokens, ["customer"]);
    public Caller NewModerator() => new(Guid.NewGuid().ToString(), Tokens, ["moderator"]);

    public HttpClient CreateRestClient() => new() { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>An event with one show at a venue in <see cref="City"/>: (event, show, venue).</summary>
    public (string EventId, string ShowId, string VenueId) AddEventWithShow(string city = City)
    {
        var venue = Catalog.AddVenue(city);
        var e = Catalog.AddEvent();
        return (e, Catalog.AddShow(e, venue), venue);
    }

    /// <summary>
    /// A booking of <paramref name="userId"/> as booking's checkout and cancellation leave it: the hold and the booking
    /// of the show (or the service's slot), in <paramref name="status"/>, starting at now + <paramref name="startsIn"/>
    /// (negative: already started).
    /// </summary>
    public async Task<Guid> BookAsync(string userId, string? showId = null, string? serviceId = null, string status = "CONFIRMED", TimeSpan? startsIn = null)
    {
        var now = DateTime.UtcNow;
        var startsAt = now + (startsIn ?? TimeSpan.FromDays(-1));
        var (holdId, bookingId) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        await using var connection = new NpgsqlConnection(BookingDb);
        await connection.ExecuteAsync("""
            INSERT INTO holds (id, user_id, show_id, service_id, slot_start, quantity, currency, amount_minor, create_time, expires_at, booking_id)
            VALUES (@holdId, @userId, @show, @service, @slot, @quantity, 'EUR', 1200, @created, @created, @bookingId);
            INSERT INTO bookings (id, hold_id, user_id, status, show_id, service_id, slot_start, quantity, starts_at, amount_minor, currency,
                payment_method_id, request_hash, create_time, deadline, confirm_time, cancel_time)
            VALUES (@bookingId, @holdId, @userId, @status, @show, @service, @slot, @quantity, @startsAt, 1200, 'EUR',
                @method, '\x00'::bytea, @created, @created, @created, CASE WHEN @status = 'CANCELLED' THEN @created END)
            """, new
        {
            holdId, bookingId, userId, status, startsAt, created = startsAt.AddDays(-7), method = Guid.NewGuid(),
            show = showId is null ? (Guid?)null : Guid.Parse(showId), service = serviceId is null ? (Guid?)null : Guid.Parse(serviceId),
            slot = serviceId is null ? (DateTime?)null : startsAt, quantity = serviceId is null ? (int?)null : 1,
        });
        return bookingId;
    }

    public async Task<T> RatingScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(RatingDb);
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException($"No value: {sql}");
    }

    public async Task<IReadOnlyList<T>> RatingQueryAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(RatingDb);
        return (await connection.QueryAsync<T>(sql, parameters)).AsList();
    }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var catalogBuilder = InProcessService.CreateBuilder(null, []);
        catalogBuilder.AddServiceDefaults();
        catalogBuilder.Services.AddSingleton(Catalog);
        _catalog = catalogBuilder.Build();
        _catalog.MapGrpcService<FakeCatalog>();
        await _catalog.StartAsync(ct);
        var catalogAddress = _catalog.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;

        BookingDb = await BookingData.PostgresConnectionStringAsync();
        var bookingBuilder = InProcessService.CreateBuilder(typeof(Mesh.Booking.BookingApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:bookingdb"] = BookingDb,
            ["services:catalog:grpc:0"] = catalogAddress.ToString(),
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        bookingBuilder.AddServiceDefaults();
        bookingBuilder.AddBooking();
        _booking = bookingBuilder.Build();
        await _booking.MigrateBookingDatabaseAsync();
        _booking.MapBooking();
        _booking.MapDefaultEndpoints();
        await _booking.StartAsync(ct);
        var bookingAddress = _booking.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;

        RatingDb = await RatingData.PostgresConnectionStringAsync() + ";Maximum Pool Size=40;Timeout=60";
        var ratingBuilder = InProcessService.CreateBuilder(typeof(RatingApi), new Dictionary<string, string?>
        {
            ["ConnectionStrings:ratingdb"] = RatingDb,
            ["ConnectionStrings:cache"] = await RatingData.RedisConnectionStringAsync(),
            ["Rating:RedisKeyPrefix"] = RatingData.RedisKeyPrefix,
            ["Rating:ReportsToHide"] = ReportsToHide.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ConnectionStrings:messaging"] = await RatingData.RabbitMqConnectionStringAsync(),
            ["Mesh:Outbox:PollInterval"] = "00:00:00.1",
            ["services:catalog:grpc:0"] = catalogAddress.ToString(),
            ["services:booking:grpc:0"] = bookingAddress.ToString(),
            // Two hundred reviews at once on two shared cores, each asking booking first: no purchase check may be cut
            // short by the default 10 s deadline (CI's machine is slower than this one).
            ["Mesh:Resilience:Deadline"] = "00:01:00",
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        ratingBuilder.AddServiceDefaults();
        ratingBuilder.AddRating();
        ratingBuilder.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Rating.Events.RatingChanged.Queues);   // as Program.cs
        _rating = ratingBuilder.Build();
        await _rating.MigrateRatingDatabaseAsync();
        _rating.MapRating();
        _rating.MapDefaultEndpoints();
        await _rating.StartAsync(ct);
        var endpoints = _rating.Services.GetRequiredService<ServiceEndpoints>();
        Channel = GrpcChannel.ForAddress(endpoints.GrpcAddress);
        Client = new V1.Rating.RatingClient(Channel);

        var gatewayBuilder = InProcessService.CreateBuilder(typeof(GatewayExtensions), new Dictionary<string, string?>
        {
            [GatewayExtensions.PortKey] = "0",
            ["services:rating:http:0"] = endpoints.HttpAddress.ToString(), // the edge forwards REST to the http endpoint
            ["Gateway:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Gateway:Auth:Keys:0:Pem"] = Tokens.PublicKeyPem,
        });
        gatewayBuilder.AddGateway(services => services.Add(V1.Rating.Descriptor, "rating"));
        _gateway = gatewayBuilder.Build();
        _gateway.MapGateway();
        await _gateway.StartAsync(ct);
        GatewayAddress = new Uri(_gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        foreach (var app in new WebApplication?[] { _gateway, _rating, _booking, _catalog })
            if (app is not null) { await app.StopAsync(CancellationToken.None); await app.DisposeAsync(); }
    }
}
