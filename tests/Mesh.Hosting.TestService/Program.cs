// Built like every Mesh service: endpoints come from the app host (Kestrel:Endpoints:grpc/http),
// /health is ready only when the databases it references answer (Aspire.Npgsql registers a check per data source).
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
foreach (var database in builder.Configuration.GetSection("ConnectionStrings").GetChildren())
    builder.AddKeyedNpgsqlDataSource(database.Key);
var app = builder.Build();
var config = app.Configuration;

app.MapGet("/config", () => Results.Json(new
{
    name = config["OTEL_SERVICE_NAME"],
    pid = Environment.ProcessId,
    connectionStrings = config.GetSection("ConnectionStrings").GetChildren().ToDictionary(c => c.Key, c => c.Value),
    services = config.GetSection("services").AsEnumerable().Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value),
}));
// Calls another service's /config (address from services__<name>__http__0), so a test gets one trace across two services.
var upstream = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
app.MapGet("/call/{service}", async (string service) =>
    config[$"services:{service}:http:0"] is { } address
        ? Results.Content(await upstream.GetStringAsync(new Uri(new Uri(address), "/config")), "application/json")
        : Results.NotFound($"no address for '{service}'"));
// Prints a line on the console on demand, so a test can watch it arrive in a live log view.
app.MapPost("/print", (string line) =>
{
    Console.WriteLine(line);
    return Results.NoContent();
});
app.MapGrpcService<Mesh.Hosting.TestService.CitiesStandIn>();
app.MapDefaultEndpoints();

app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"test service {config["OTEL_SERVICE_NAME"]} started, pid {Environment.ProcessId}"));
app.Run();
