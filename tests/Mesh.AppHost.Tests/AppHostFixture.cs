using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Net.Client;
using Mesh.Servers.Processes;
using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(Mesh.AppHost.Tests.AppHostFixture))]

namespace Mesh.AppHost.Tests;

/// <summary>
/// The whole app host (AppHost/Program.cs) started once for the test run, its data in a fresh directory, with the Aspire
/// dashboard on free ports (Aspire.Hosting.Testing turns it off unless asked) so every service exports its telemetry
/// to it as under `./mesh up`.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public static readonly string[] Services = ["users", "catalog", "payment", "booking", "referral", "rating", "support", "ads", "feed", "notification", "analytics", "gateway"];
    /// <summary>Every resource of the default app host, as the dashboard lists them.</summary>
    public static readonly string[] Resources =
        ["postgres", "usersdb", "catalogdb", "paymentdb", "bookingdb", "referraldb", "ratingdb", "supportdb", "adsdb", "feeddb", "notificationdb", "analyticsdb", "cache", "messaging-epmd", "messaging", .. Services];
    /// <summary>Generous: `./mesh test` runs the other test assemblies at the same time on a small machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, GrpcChannel> _channels = [];
    private readonly SemaphoreSlim _adminRegistration = new(1, 1);
    private bool _adminRegistered;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("mesh-apphost-").FullName;
    public DistributedApplication App { get; private set; } = null!;
    public HttpClient Edge { get; private set; } = null!;
    /// <summary>The dashboard's UI, anonymous on loopback as under `./mesh up`.</summary>
    public Uri DashboardUrl { get; private set; } = null!;
    /// <summary>Registers with the admin role (Users:BootstrapAdmins): the payment ledger's reconciliation is admin-only.</summary>
    public string AdminEmail { get; } = $"auditor-{Guid.NewGuid():N}@example.com";
    public const string Password = "analytical-engine-1843";
    private const string Dashboard = "aspire-dashboard";

    public async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(
            [
                $"--Mesh:Data={DataDirectory}",
                // The auditor these tests sign in as, then the admins the README's `./mesh up --Mesh:Admins=…` names.
                $"--Mesh:Admins={string.Join(',', [AdminEmail, .. Readme.ReadmeWalkthrough.Admins()])}",
                // The settings `./mesh up` gives the dashboard (AppHost/Properties/launchSettings.json). The testing
                // builder moves its endpoints to random ports (DcpPublisher:RandomizePorts), as it does every other
                // resource's, so a running mesh or another test run on the same machine does not collide.
                $"--ASPNETCORE_URLS=http://localhost:{LoopbackPorts.GetFree()}",
                $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:{LoopbackPorts.GetFree()}",
                $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://localhost:{LoopbackPorts.GetFree()}",
                "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true",
                "--ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true",
            ],
            (options, _) => options.DisableDashboard = false,
            TestContext.Current.CancellationToken);
        // CI machines here are small and shared: a first (cold) call through the edge can take longer than the default
        // 10 s call deadline. The flow is what these tests prove, not latency.
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
            builder.CreateResourceBuilder(project).WithEnvironment("Mesh__Resilience__Deadline", "00:01:00")
                .WithEnvironment("Gateway__RequestTimeout", "00:01:00"); // the edge's own limit on a unary REST call
        App = await builder.BuildAsync();
        try
        {
            await ResourceStates.WithinAsync(App, StartTimeout, "the mesh starting and answering through the edge", async ct =>
            {
                await App.StartAsync(ct);
                foreach (var service in Services)
                    await App.ResourceNotifications.WaitForResourceHealthyAsync(service, ct);
                Edge = App.CreateHttpClient("gateway", "http");
                // The dashboard is a hidden resource of the app model; its UI is its "http" endpoint.
                await App.ResourceNotifications.WaitForResourceAsync(Dashboard, KnownResourceStates.Running, ct);
                DashboardUrl = App.GetEndpoint(Dashboard, "http");
                await WarmUpAsync(ct);
            }, TestContext.Current.CancellationToken);
        }
        catch
        {
            // xunit does not dispose a fixture whose initialisation failed: stop what did start.
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Until the mesh answers a customer's first steps through the edge (sign-up, sign-in, a card, the shows, a seat
    /// map). Every service is ready by its own /health by now (the app model's readiness probe), but the first calls
    /// along each path still pay for JIT, connection pools and token keys, and on a CI machine running every test
    /// assembly at once such a first call once took over a minute. The tests then start on a mesh that answers; a step
    /// that fails is tried again from scratch (at most the start-up bound).
    /// </summary>
    private async Task WarmUpAsync(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var email = $"warm-up-{Guid.NewGuid():N}@example.com";
                await Edge.SendAsync(HttpMethod.Post, "/v1/users", new { email, password = Password, displayName = "Warm Up" }, ct: ct);
                var token = (await Edge.SendAsync(HttpMethod.Post, "/v1/sessions", new { email, password = Password }, ct: ct)).Str("accessToken");
                await Edge.SendAsync(HttpMethod.Post, "/v1/payment-methods",
                    new { cardNumber = "4242 4242 4242 4242", expMonth = 12, expYear = DateTime.UtcNow.Year + 3, cvc = "123" }, token, ct: ct);
                var show = (await Edge.SendAsync(HttpMethod.Get, "/v1/shows?city=amsterdam&pageSize=1", ct: ct)).GetProperty("shows")[0].Str("id");
                await Edge.SendAsync(HttpMethod.Get, $"/v1/shows/{show}/seats", ct: ct);
                return;
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                Console.WriteLine($"[apphost-tests] warm-up attempt {attempt}: {e.Message.Split('\n')[0]}");
                await Task.Delay(TimeSpan.FromSeconds(5), ct);
            }
        }
    }

    /// <summary>A channel to a service's gRPC endpoint as the app model allocated it (h2c), one per service.</summary>
    public GrpcChannel Channel(string service)
    {
        lock (_channels)
        {
            if (!_channels.TryGetValue(service, out var channel))
                _channels[service] = channel = GrpcChannel.ForAddress(App.GetEndpoint(service, "grpc"));
            return channel;
        }
    }

    /// <summary>A fresh access token of the bootstrap admin (registered through the edge on first use).</summary>
    public async Task<string> AdminTokenAsync(CancellationToken ct)
    {
        await _adminRegistration.WaitAsync(ct);
        try
        {
            if (!_adminRegistered)
            {
                var user = await Edge.SendAsync(HttpMethod.Post, "/v1/users", new { email = AdminEmail, password = Password, displayName = "Auditor" }, ct: ct);
                Assert.Contains("ADMIN", user.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
                _adminRegistered = true;
            }
        }
        finally
        {
            _adminRegistration.Release();
        }
        var session = await Edge.SendAsync(HttpMethod.Post, "/v1/sessions", new { email = AdminEmail, password = Password }, ct: ct);
        return session.Str("accessToken");
    }

    /// <summary>Stops a resource through the app model (as the dashboard's Stop does) and waits until it has exited.</summary>
    public async Task StopAsync(string resource, CancellationToken ct)
    {
        var commands = App.Services.GetRequiredService<ResourceCommandService>();
        var result = await commands.ExecuteCommandAsync(resource, "resource-stop", ct);
        Assert.True(result.Success, result.Message);
        await App.ResourceNotifications.WaitForResourceAsync(resource, KnownResourceStates.Finished, ct);
    }

    /// <summary>Starts a stopped resource again and waits until it is healthy.</summary>
    public async Task StartAsync(string resource, CancellationToken ct)
    {
        var commands = App.Services.GetRequiredService<ResourceCommandService>();
        var result = await commands.ExecuteCommandAsync(resource, "resource-start", ct);
        Assert.True(result.Success, result.Message);
        await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, ct);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_channels)
        {
            foreach (var channel in _channels.Values) channel.Dispose();
            _channels.Clear();
        }
        Edge?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>JSON over the REST edge, as the README's curl walk-through does it.</summary>
public static class Rest
{
    public static async Task<JsonElement> SendAsync(this HttpClient client, HttpMethod method, string path, object? body = null,
        string? token = null, string? idempotencyKey = null, string? traceParent = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        if (token is not null) request.Headers.Authorization = new("Bearer", token);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        // W3C trace context: the edge continues the caller's trace, so a test knows the trace id of what it did.
        if (traceParent is not null) request.Headers.Add("traceparent", traceParent);
        using var response = await client.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path} → {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    /// <summary>int64 fields arrive as JSON strings (proto3 JSON mapping).</summary>
    public static long Long(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? (v.ValueKind == JsonValueKind.String ? long.Parse(v.GetString()!) : v.GetInt64()) : 0;
}
