// Endpoints come from Kestrel:Endpoints:* (the app host injects them); readiness is real: the
// referenced database answers a query and every referenced upstream answers its own /health.
using Npgsql;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true);
var app = builder.Build();
var config = app.Configuration;
var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };

app.MapGet("/health", async (CancellationToken ct) =>
{
    foreach (var (name, cs) in config.GetSection("ConnectionStrings").AsEnumerable(makePathsRelative: true).Where(kv => kv.Value is not null))
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT 1", conn);
        await cmd.ExecuteScalarAsync(ct);
    }
    foreach (var upstream in config.GetSection("services").AsEnumerable().Where(kv => kv.Key.Contains(":http:") && kv.Value is not null))
    {
        using var response = await http.GetAsync(new Uri(new Uri(upstream.Value!), "/health"), ct);
        if (!response.IsSuccessStatusCode) return Results.StatusCode(503);
    }
    return Results.Ok("healthy");
});

app.MapGet("/config", () => Results.Json(new
{
    name = config["OTEL_SERVICE_NAME"],
    pid = Environment.ProcessId,
    connectionStrings = config.GetSection("ConnectionStrings").AsEnumerable(makePathsRelative: true).Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value),
    services = config.GetSection("services").AsEnumerable().Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value),
}));

app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"test service {config["OTEL_SERVICE_NAME"]} started, pid {Environment.ProcessId}"));
app.Run();
