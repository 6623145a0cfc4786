using System.Text.Json;
using Grpc.Core.Interceptors;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Mesh.ServiceDefaults.Auth;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Mesh.Users.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Users.Tests;

/// <summary>
/// Another service in the mesh, hosted in-process next to the users service: <c>builder.AddTokenValidation()</c> and
/// nothing else about tokens. JwtBearer finds the users service's OpenID discovery document (by service discovery, or
/// at <c>Mesh:Auth:MetadataAddress</c>) and its JWKS; handlers see the caller on the ServerCallContext.
/// </summary>
internal sealed class DownstreamService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GrpcChannel _channel;

    private DownstreamService(WebApplication app)
    {
        _app = app;
        _channel = GrpcChannel.ForAddress(app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress);
        Health = new Health.HealthClient(_channel);
    }

    /// <summary>Who each call that reached a handler was from, in order (null: anonymous).</summary>
    public List<AuthenticatedUser?> Callers => _app.Services.GetRequiredService<CallerRecorder>().Callers;

    /// <summary>grpc.health.v1 of the service: any gRPC method goes through the same token checks.</summary>
    public Health.HealthClient Health { get; }

    public static async Task<DownstreamService> StartAsync(IDictionary<string, string?> settings)
    {
        var builder = InProcessService.CreateBuilder(null, settings);
        builder.AddServiceDefaults();
        builder.AddTokenValidation();
        // After AddTokenValidation's BearerTokenInterceptor: a call with a bad token never gets here.
        builder.Services.AddSingleton<CallerRecorder>();
        builder.Services.AddGrpc(o => o.Interceptors.Add<CallerRecorder>());
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new DownstreamService(app);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>Records who each call was from, as a handler would see it.</summary>
    private sealed class CallerRecorder : Interceptor
    {
        public List<AuthenticatedUser?> Callers { get; } = [];

        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            lock (Callers) Callers.Add(context.GetUser());
            return continuation(request, context);
        }
    }
}

/// <summary>
/// Any other service validates the users service's tokens with one line, <c>builder.AddTokenValidation()</c>: keys from
/// the users service's discovery document and JWKS, claims on the ServerCallContext, bad tokens UNAUTHENTICATED.
/// </summary>
public sealed class DownstreamValidationTests(UsersFixture fixture) : IClassFixture<UsersFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> KeySources => ["service discovery", "metadata address"];

    [Theory]
    [MemberData(nameof(KeySources))]
    public async Task A_service_with_AddTokenValidation_gets_the_callers_claims_and_rejects_bad_tokens(string keySource)
    {
        await using var downstream = await DownstreamService.StartAsync(keySource == "service discovery"
            ? new Dictionary<string, string?> { ["services:users:http:0"] = fixture.UsersHttp.ToString() }
            : new Dictionary<string, string?> { ["Mesh:Auth:MetadataAddress"] = new Uri(fixture.UsersHttp, MeshTokens.DiscoveryPath).ToString() });
        var user = await TestAccounts.CreateAsync(fixture);

        await downstream.Health.CheckAsync(new HealthCheckRequest(), user.Bearer, cancellationToken: Ct);
        await downstream.Health.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct);
        var parts = user.Session.AccessToken.Split('.');
        var forged = $"{parts[0]}.{Jwt.Encode(new { sub = "someone-else", exp = 4102444800, iss = "mesh-users", aud = "mesh" })}.{parts[2]}";
        var e = await Assert.ThrowsAsync<RpcException>(() => downstream.Health.CheckAsync(new HealthCheckRequest(), TestAccounts.Bearer(forged), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("signature", e.Status.Detail); // says why

        Assert.Equal(2, downstream.Callers.Count); // the forged call never reached the handler
        Assert.Equal(user.Id, downstream.Callers[0]?.Subject);
        Assert.Equal(["customer"], downstream.Callers[0]!.Roles);
        Assert.Equal(Sid(user.Session.AccessToken), downstream.Callers[0]!.Claim("sid")); // claims keep their JWT names
        Assert.Null(downstream.Callers[1]);
    }

    [Fact]
    public async Task Without_the_users_service_a_sent_token_is_refused_not_let_through()
    {
        // Discovery points at a port nobody listens on: the keys cannot be fetched, so no token can be trusted.
        using var nothing = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        nothing.Start();
        var closed = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)nothing.LocalEndpoint).Port}");
        nothing.Stop();
        await using var downstream = await DownstreamService.StartAsync(new Dictionary<string, string?> { ["services:users:http:0"] = closed.ToString() });
        var user = await TestAccounts.CreateAsync(fixture);

        var e = await Assert.ThrowsAsync<RpcException>(() => downstream.Health.CheckAsync(new HealthCheckRequest(), user.Bearer, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.StartsWith("Invalid bearer token: ", e.Status.Detail);
        Assert.Empty(downstream.Callers);
        // Anonymous calls do not need the keys.
        await downstream.Health.CheckAsync(new HealthCheckRequest(), cancellationToken: Ct);
    }

    internal static string Sid(string token) => JsonDocument.Parse(Jwt.Part(token, 1)).RootElement.GetProperty("sid").GetString()!;
}

/// <summary>
/// Rotation: the users service's key ring on a clock the test moves, with a short rotation period (4 minutes, the
/// next key published 2 minutes before it signs). The clock starts 4 minutes in the past, so the token the new key
/// signs is valid by the real clock the downstream service validates with.
/// </summary>
public sealed class RotationFixture : UsersFixture
{
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(4);
    public static readonly TimeSpan Lead = TimeSpan.FromMinutes(2);

    public RotationFixture(TestServers servers) : base(servers) => Clock.Advance(-Period);

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Users:Tokens:KeyRotationPeriod"] = Period.ToString(),
        ["Users:Tokens:KeyPublishLead"] = Lead.ToString(),
    };
}

public sealed class DownstreamKeyRotationTests(RotationFixture fixture) : IClassFixture<RotationFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_token_signed_by_a_newly_rotated_key_is_accepted_downstream_without_a_restart()
    {
        await using var downstream = await DownstreamService.StartAsync(new Dictionary<string, string?>
        {
            ["services:users:http:0"] = fixture.UsersHttp.ToString(),
            ["Mesh:Auth:RefreshInterval"] = "00:00:01",
        });
        var user = await TestAccounts.CreateAsync(fixture);
        var firstKid = Kid(user.Session.AccessToken);
        // The downstream service fetches the keys now: only the first key exists.
        await downstream.Health.CheckAsync(new HealthCheckRequest(), user.Bearer, cancellationToken: Ct);

        fixture.Clock.Advance(RotationFixture.Period - RotationFixture.Lead);   // rotation due: the next key is made and published…
        var before = await TestAccounts.LoginAsync(fixture, user.Email, user.Password);
        Assert.Equal(firstKid, Kid(before.AccessToken));                       // …but does not sign yet
        fixture.Clock.Advance(RotationFixture.Lead);                            // now it signs
        var after = await TestAccounts.LoginAsync(fixture, user.Email, user.Password);
        var secondKid = Kid(after.AccessToken);
        Assert.NotEqual(firstKid, secondKid);

        // Same process, same JwtBearer: the unknown kid makes it fetch the keys again, and the call goes through.
        await downstream.Health.CheckAsync(new HealthCheckRequest(), TestAccounts.Bearer(after.AccessToken), cancellationToken: Ct);
        // Tokens of the old key still verify.
        await downstream.Health.CheckAsync(new HealthCheckRequest(), TestAccounts.Bearer(before.AccessToken), cancellationToken: Ct);

        Assert.Equal(3, downstream.Callers.Count);
        Assert.All(downstream.Callers, c => Assert.Equal(user.Id, c?.Subject));
        Assert.Equal(DownstreamValidationTests.Sid(after.AccessToken), downstream.Callers[1]!.Claim("sid"));

        // A key the users service never published is still refused after the refresh.
        using var stranger = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var claims = JsonSerializer.Deserialize<Dictionary<string, object>>(Jwt.Part(after.AccessToken, 1))!;
        var forged = Jwt.SignEs256(stranger, new { alg = "ES256", typ = "JWT", kid = "not-a-published-key" }, claims);
        var e = await Assert.ThrowsAsync<RpcException>(() => downstream.Health.CheckAsync(new HealthCheckRequest(), TestAccounts.Bearer(forged), cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.StartsWith("Invalid bearer token: ", e.Status.Detail);
        Assert.Equal(3, downstream.Callers.Count);
    }

    private static string Kid(string token) => JsonDocument.Parse(Jwt.Part(token, 0)).RootElement.GetProperty("kid").GetString()!;
}
