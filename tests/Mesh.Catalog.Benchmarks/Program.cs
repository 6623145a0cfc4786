// Catalog measurements for docs/performance.md (issue 8). Starts PostgreSQL and Redis (Mesh.Testing), hosts the catalog
// with the demo data grown to --shows shows, and measures over real gRPC on loopback:
//   GetShow hot     every call reads one warm show            (Redis hit)
//   GetShow cold    every call reads a show never read before (miss: PostgreSQL load + Redis write)
//   search cold     ListShows with a different filter each call, one caller (PostgreSQL), p50/p99
//   search cached   the same filters again                                     (Redis hit), p50/p99
//   dotnet run -c Release --project tests/Mesh.Catalog.Benchmarks -- [--shows 100000] [--seconds 10] [--warmup 5]
//                                                                    [--concurrency 32] [--searches 400] [--out FILE]
// Client and server share this process and the machine: compare modes within one run (ratios), not across machines.
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Mesh.Catalog.Benchmarks;
using Mesh.Catalog.Cache;
using Mesh.Catalog.V1;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

var options = BenchOptions.Parse(args);
var servers = new TestServers();
await servers.InitializeAsync();
try
{
    var data = new IsolatedData(servers);
    Log("starting PostgreSQL, Redis and the catalog (demo data)");
    await using var app = await CatalogHost.StartAsync(data);
    var connectionString = await data.PostgresConnectionStringAsync();
    Log($"growing the catalog to {options.Shows:N0} shows");
    var total = await ShowBulkLoader.GrowToAsync(connectionString, options.Shows);
    var ids = await ShowBulkLoader.ShowIdsAsync(connectionString);
    new Random(8).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids));
    Log($"{total:N0} shows loaded");

    using var channel = GrpcChannel.ForAddress(CatalogHost.GrpcAddress(app));
    var client = new Catalog.CatalogClient(channel);
    var metrics = app.Services.GetRequiredService<CacheMetrics>();
    var duration = TimeSpan.FromSeconds(options.Seconds);
    var lines = new List<string>
    {
        $"catalog bench {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  shows={total}  concurrency={options.Concurrency}  seconds={options.Seconds}  cores={Environment.ProcessorCount}",
        "",
        "| mode | calls | RPS | p50 ms | p99 ms | cache hits / misses | .NET CPU µs/call |",
        "|---|---|---|---|---|---|---|",
    };

    // Warm-up: JIT, connection pools, PostgreSQL plans (on ids the measured runs do not use).
    var warmIds = ids[^2000..];
    await ClosedLoop.RunAsync(options.Concurrency, TimeSpan.FromSeconds(options.Warmup), long.MaxValue,
        n => client.GetShowAsync(new GetShowRequest { Id = warmIds[(int)(n % warmIds.Count)].ToString() }).ResponseAsync);

    var hotId = ids[0].ToString();
    await client.GetShowAsync(new GetShowRequest { Id = hotId });
    var (hits, misses) = (metrics.Hits, metrics.Misses);
    var hot = await ClosedLoop.RunAsync(options.Concurrency, duration, long.MaxValue, _ => client.GetShowAsync(new GetShowRequest { Id = hotId }).ResponseAsync);
    lines.Add(Row("GetShow hot (cached)", hot, metrics.Hits - hits, metrics.Misses - misses));

    // Cold: each call a show never read (ids[1..], fewer than the catalog holds unless the box is very fast).
    (hits, misses) = (metrics.Hits, metrics.Misses);
    var cold = await ClosedLoop.RunAsync(options.Concurrency, duration, ids.Count - warmIds.Count - 1,
        n => client.GetShowAsync(new GetShowRequest { Id = ids[(int)n + 1].ToString() }).ResponseAsync);
    lines.Add(Row("GetShow cold (uncached)", cold, metrics.Hits - hits, metrics.Misses - misses));

    // Searches: distinct filters (city × genre × start day × free text), one caller, so latency is the query's own.
    var cities = (await client.ListCitiesAsync(new ListCitiesRequest())).Cities.Select(c => c.Id).ToArray();
    string[] genres = ["drama", "comedy", "thriller", "jazz", "rock", "classical", "family", "sci-fi", "romance", "documentary"];
    string[] texts = ["", "", "golden river", "midnite symphony", "lost", "the wild harbour"];
    var now = DateTime.UtcNow.Date;
    var searches = Enumerable.Range(0, options.Searches).Select(i => new ListShowsRequest
    {
        City = cities[i % cities.Length], Genre = i % 3 == 0 ? "" : genres[i / 3 % genres.Length], Q = texts[i % texts.Length],
        From = Timestamp.FromDateTime(now.AddDays(1 + i % 90).AddMinutes(i)), PageSize = 20,   // the minute makes every filter distinct
    }).ToArray();
    foreach (var warm in searches.Take(30).Select(s => new ListShowsRequest(s) { From = Timestamp.FromDateTime(now.AddDays(200)) }))
        await client.ListShowsAsync(warm);   // JIT and plans for the search path, on filters not measured below
    (hits, misses) = (metrics.Hits, metrics.Misses);
    var searchCold = await ClosedLoop.RunAsync(1, TimeSpan.FromMinutes(30), searches.Length, n => client.ListShowsAsync(searches[n]).ResponseAsync);
    lines.Add(Row("search cold (PostgreSQL)", searchCold, metrics.Hits - hits, metrics.Misses - misses));
    (hits, misses) = (metrics.Hits, metrics.Misses);
    var searchHot = await ClosedLoop.RunAsync(1, TimeSpan.FromMinutes(30), searches.Length, n => client.ListShowsAsync(searches[n]).ResponseAsync);
    lines.Add(Row("search repeated (cached)", searchHot, metrics.Hits - hits, metrics.Misses - misses));

    lines.Add("");
    lines.Add($"GetShow hot/cold RPS ratio: {hot.Rps / cold.Rps:F2}x; search p50 cold/cached: {searchCold.Percentile(50) / searchHot.Percentile(50):F2}x");
    var report = string.Join(Environment.NewLine, lines);
    Console.WriteLine(report);
    var file = options.Out ?? Path.Combine(FindRoot(), ".mesh", "bench", "results", $"catalog-{DateTime.UtcNow:yyyyMMdd-HHmmss}.txt");
    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
    await File.WriteAllTextAsync(file, report + Environment.NewLine);
    Log($"written to {file}");
    await app.StopAsync();
}
finally
{
    await servers.DisposeAsync();
}
return 0;

static string Row(string mode, LoadResult r, long hits, long misses) => string.Create(CultureInfo.InvariantCulture,
    $"| {mode} | {r.Calls:N0}{(r.Failures > 0 ? $" ({r.Failures} failed)" : "")} | {r.Rps:N0} | {r.Percentile(50):F2} | {r.Percentile(99):F2} | {hits:N0} / {misses:N0} | {r.CpuMicrosPerCall:F0} |");

static void Log(string message) => Console.Error.WriteLine($"[bench catalog] {message}");

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "services"))) return dir.FullName;
    return Directory.GetCurrentDirectory();
}
