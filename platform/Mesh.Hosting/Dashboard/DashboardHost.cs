using System.Net;
using Mesh.Hosting.Dashboard.Otlp;
using Mesh.Hosting.Dashboard.Pages;
using Mesh.Hosting.Dashboard.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Hosting.Dashboard;

/// <summary>
/// The dashboard inside the app host process: the UI (default http://localhost:18888) and the OTLP/HTTP
/// receiver (default :4318) as two small Kestrel servers on loopback, so telemetry traffic and page views
/// never share a connection queue.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    private readonly DistributedApplication _app;
    private readonly DashboardOptions _options;
    private WebApplication? _ui;
    private WebApplication? _otlp;

    public DashboardHost(DistributedApplication app, DashboardOptions options)
    {
        _app = app;
        _options = options;
        Telemetry = new TelemetryStore(options);
        Console = new ConsoleLogStore(app.Instances, options.MaxConsoleLinesPerResource);
    }

    public TelemetryStore Telemetry { get; }
    public ConsoleLogStore Console { get; }

    /// <summary>http://localhost:PORT of the UI, once started.</summary>
    public Uri? Url { get; private set; }

    /// <summary>http://localhost:PORT of the OTLP receiver (what services get as OTEL_EXPORTER_OTLP_ENDPOINT).</summary>
    public Uri? OtlpEndpoint { get; private set; }

    /// <summary>What a person should know about where the dashboard went (a busy fixed port moved to a free one).</summary>
    public IReadOnlyList<string> Notices => _notices;

    private readonly List<string> _notices = new();

    public async Task StartAsync(CancellationToken ct)
    {
        _otlp = await StartServerAsync("OTLP receiver", _options.OtlpPort, web => new OtlpReceiver(Telemetry, _options).Map(web), ct);
        OtlpEndpoint = new Uri($"http://localhost:{BoundPort(_otlp)}");

        _ui = await StartServerAsync("dashboard", _options.Port, MapUi, ct);
        Url = new Uri($"http://localhost:{BoundPort(_ui)}");
    }

    /// <summary>
    /// Listens on <paramref name="port"/>; when that fixed port is taken (another mesh, another tool) it falls back to a
    /// free port instead of failing — the services are given the actual OTLP endpoint and the actual URL is printed.
    /// </summary>
    private async Task<WebApplication> StartServerAsync(string what, int port, Action<WebApplication> map, CancellationToken ct)
    {
        var web = CreateServer(port);
        map(web);
        try
        {
            await web.StartAsync(ct);
            return web;
        }
        catch (IOException) when (port != 0)
        {
            await web.DisposeAsync();
        }
        web = CreateServer(0);
        map(web);
        await web.StartAsync(ct);
        _notices.Add($"port {port} for the {what} was busy; using {BoundPort(web)} instead");
        return web;
    }

    private static WebApplication CreateServer(int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Mesh.Dashboard", ContentRootPath = AppContext.BaseDirectory });
        // The app host's console belongs to the start-up view and the URLs; the dashboard stays quiet.
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.UseLocalRequestGuard();
        return app;
    }

    private static int BoundPort(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address).Port;
    }

    private void MapUi(WebApplication web)
    {
        web.MapGet("/", () => Results.Redirect("/resources"));
        web.MapGet("/resources", () => HtmlResult(ResourcesPage.Render(_app.Instances)));
        web.MapGet("/resources/table", () => HtmlResult(ResourcesPage.Table(_app.Instances)));
        web.MapGet("/api/resources", () => Results.Json(_app.Instances.Select(i => new
        {
            name = i.DisplayName, resource = i.Resource.Name, replica = i.Replica, kind = i.Kind, state = i.State.ToString(),
            pid = i.Pid, restarts = i.RestartCount, endpoints = i.Endpoints.ToDictionary(e => e.Key, e => e.Value.ToString()),
        })));
        // Actions answer 202 once the instance is on its way: a replica's supervisor brings it back on its own
        // schedule, and the live table shows the states as they change.
        web.MapPost("/api/resources/{name}/restart", (string name) => ActAsync(name, () => _app.RestartInstanceAsync(name, web.Lifetime.ApplicationStopping)));
        web.MapPost("/api/resources/{name}/stop", (string name) => ActAsync(name, () => _app.StopInstanceAsync(name)));
        web.MapPost("/api/resources/{name}/start", (string name) => ActAsync(name, () => _app.StartInstanceAsync(name, web.Lifetime.ApplicationStopping)));

        web.MapGet("/console", (string? resource) => HtmlResult(ConsolePage.Render(Console.Resources, string.IsNullOrEmpty(resource) ? null : resource)));
        web.MapGet("/console/{name}", (string name) => Console.For(name) is null ? Results.NotFound() : HtmlResult(ConsolePage.Render(Console.Resources, name)));
        web.MapGet("/api/console/{name}", (string name, long? after) =>
        {
            var log = Console.For(name);
            if (log is null) return Results.NotFound();
            var lines = log.After(after ?? 0);
            return Results.Json(new { last = lines.Count == 0 ? after ?? 0 : lines[^1].Seq, lines = lines.Select(l => new { seq = l.Seq, text = l.Item.Text }) });
        });
        web.MapGet("/api/console/{name}/stream", async (HttpContext http, string name, long? after) =>
        {
            if (Console.For(name) is not { } log)
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await ConsoleStream.FollowAsync(http, log, after, web.Lifetime.ApplicationStopping);
        });

        web.MapGet("/logs", (string? resource, string? level, string? traceId, string? q) => HtmlResult(LogsPage.Render(Telemetry, resource, level, traceId, q)));
        web.MapGet("/traces", (string? service, string? errors, string? background) =>
            HtmlResult(TracesPage.Render(Telemetry, service, errors == "1", background == "1")));
        web.MapGet("/traces/{traceId}", (string traceId) => HtmlResult(TraceDetailPage.Render(Telemetry, traceId.ToLowerInvariant())));
        web.MapGet("/metrics", (string? service) => HtmlResult(MetricsPage.Render(Telemetry, service)));
        web.MapGet("/assets/{file}", (string file) => Asset(file));
    }

    /// <summary>A server that cannot start again answers 500 with the reason (its state shows Failed, its log the rest).</summary>
    private async Task<IResult> ActAsync(string name, Func<Task<bool>> action)
    {
        try
        {
            return await action() ? Results.Accepted() : NoAction(name);
        }
        catch (ServerStartException ex)
        {
            return Results.Problem(ex.Message);
        }
    }

    private IResult NoAction(string name) => _app.Instances.Any(i => i.DisplayName == name)
        ? Results.Conflict($"'{name}' has no running supervisor or server (a database follows its server).")
        : Results.NotFound();

    private static IResult HtmlResult(string html) => Results.Content(html, "text/html; charset=utf-8");

    /// <summary>The stylesheet and script are embedded in the assembly: nothing is fetched from elsewhere.</summary>
    private static IResult Asset(string file)
    {
        var type = Path.GetExtension(file) switch { ".css" => "text/css; charset=utf-8", ".js" => "text/javascript; charset=utf-8", _ => null };
        var stream = type is null ? null : typeof(DashboardHost).Assembly.GetManifestResourceStream("Mesh.Dashboard." + file);
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var web in new[] { _ui, _otlp })
        {
            if (web is null) continue;
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try { await web.StopAsync(grace.Token); } catch (OperationCanceledException) { }
            await web.DisposeAsync();
        }
        _ui = _otlp = null;
    }
}
