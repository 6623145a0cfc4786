using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(Mesh.AppHost.Tests.AppHostFixture))]

namespace Mesh.AppHost.Tests;

/// <summary>The whole app host (AppHost/Program.cs) started once for the test run, its data in a fresh directory.</summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public static readonly string[] Services = ["users", "catalog", "payment", "booking", "gateway"];
    /// <summary>Generous: `./mesh test` runs the other test assemblies at the same time on a small machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(10);

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("mesh-apphost-").FullName;
    public DistributedApplication App { get; private set; } = null!;
    public HttpClient Edge { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Mesh_AppHost>(
            [$"--Mesh:Data={DataDirectory}"], TestContext.Current.CancellationToken);
        // CI machines here are small and shared: a first (cold) call through the edge can take longer than the default
        // 10 s call deadline. The flow is what these tests prove, not latency.
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
            builder.CreateResourceBuilder(project).WithEnvironment("Mesh__Resilience__Deadline", "00:01:00");
        App = await builder.BuildAsync();
        try
        {
            using var cts = new CancellationTokenSource(StartTimeout);
            await App.StartAsync(cts.Token);
            foreach (var service in Services)
                await App.ResourceNotifications.WaitForResourceHealthyAsync(service, cts.Token);
            Edge = App.CreateHttpClient("gateway", "http");
        }
        catch
        {
            // xunit does not dispose a fixture whose initialisation failed: stop what did start.
            await DisposeAsync();
            throw;
        }
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
        string? token = null, string? idempotencyKey = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        if (token is not null) request.Headers.Authorization = new("Bearer", token);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
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
