using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Mesh.Servers;
using Mesh.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mesh.Benchmarks.Rating;

/// <summary>
/// <c>rating-load</c> (issue #20, "Measure"): <c>GET /v1/{item}/rating</c> requests per second and p50/p99, served from
/// Redis (cached) and from PostgreSQL (uncached, Rating:CacheDuration = 0), in the same run, alternating rounds.
/// <para>
/// Real parts: PostgreSQL (durable) and Redis as processes (Mesh.Servers launchers), two rating services composed as
/// their Program.cs composes them (one with the cache, one without) on one ratingdb, hosted in this process; the driver
/// is an HttpClient on the services' own http endpoints (REST by JSON transcoding), concurrency C, over --items items
/// whose aggregates are seeded in item_ratings. Everything shares the machine's two cores with the driver, so the ratio
/// of the two variants in one run is the number to read, not either absolute.
/// </para>
/// </summary>
public static class RatingLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = RatingLoadOptions.Parse(args);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var servers = Path.Combine(Path.GetTempPath(), $"mesh-bench-rating-{Environment.ProcessId}");
        var results = Path.GetFullPath(Path.Combine(options.WorkDir, "results"));
        Directory.CreateDirectory(results);
        Log($"starting PostgreSQL (durable) and Redis under {servers}");
        var postgres = await PostgresServer.StartAsync(new PostgresOptions { DataDirectory = Path.Combine(servers, "postgres"), LogFile = Path.Combine(servers, "postgres.log") });
        RedisServer? redis = null;
        var apps = new List<WebApplication>();
        try
        {
            redis = await RedisServer.StartAsync(new RedisOptions { DataDirectory = Path.Combine(servers, "redis"), Ephemeral = true });
            await postgres.CreateDatabaseAsync("ratingdb");
            var db = postgres.ConnectionStringFor("ratingdb");
            var cached = await StartRatingAsync(db, redis.ConnectionString, TimeSpan.FromMinutes(5), "bench-cached:");
            var uncached = await StartRatingAsync(db, redis.ConnectionString, TimeSpan.Zero, "bench-uncached:");
            apps.AddRange([cached.App, uncached.App]);
            var items = await SeedAsync(db, options.Items);
            Log($"seeded {items.Count} item aggregates");

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
            var variants = new (string Name, Uri Address)[] { ("cached", cached.Http), ("uncached", uncached.Http) };
            foreach (var (name, address) in variants)
            {
                Log($"warm-up {name}: {options.WarmupSeconds} s");
                await DriveAsync(http, address, items, options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds));
            }
            var rounds = variants.ToDictionary(v => v.Name, _ => new List<Round>());
            for (var r = 1; r <= options.Rounds; r++)
                foreach (var (name, address) in r % 2 == 1 ? variants : variants.Reverse())
                {
                    var round = await DriveAsync(http, address, items, options.Concurrency, TimeSpan.FromSeconds(options.Seconds));
                    rounds[name].Add(round);
                    Log($"round {r} {name}: {round.Rps:F0} req/s, p50 {round.P50:F2} ms, p99 {round.P99:F2} ms, errors {round.Errors}");
                }

            var report = Report(options, rounds);
            Console.WriteLine(report);
            var file = Path.Combine(results, $"rating-{stamp}.txt");
            await File.WriteAllTextAsync(file, report);
            Log($"written to {file}");
            return 0;
        }
        finally
        {
            foreach (var app in apps) { await app.StopAsync(); await app.DisposeAsync(); }
            if (redis is not null) await redis.StopAsync();
            await postgres.StopAsync();
            try { Directory.Delete(servers, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private sealed record Round(double Rps, double P50, double P99, int Errors);

    private static async Task<(WebApplication App, Uri Http)> StartRatingAsync(string db, string redis, TimeSpan cacheDuration, string prefix)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);   // GetItemRating is public; the key only satisfies token validation's set-up
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(Mesh.Rating.RatingApi).Assembly.GetName().Name });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = "0",
            [ServiceEndpoints.HttpPortKey] = "0",
            ["ConnectionStrings:ratingdb"] = db,
            ["ConnectionStrings:cache"] = redis,
            ["Rating:CacheDuration"] = cacheDuration.ToString(),
            ["Rating:RedisKeyPrefix"] = prefix,
            ["services:booking:grpc:0"] = "http://127.0.0.1:9",   // not called by GetItemRating
            ["services:catalog:grpc:0"] = "http://127.0.0.1:9",
            ["Mesh:Auth:Keys:0:Kid"] = "bench",
            ["Mesh:Auth:Keys:0:Pem"] = key.ExportSubjectPublicKeyInfoPem(),
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        builder.AddRating();
        var app = builder.Build();
        await app.MigrateRatingDatabaseAsync();
        app.MapRating();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<ServiceEndpoints>().HttpAddress);
    }

    /// <summary>Aggregates for <paramref name="count"/> events, with varied histograms (what reviews would have left).</summary>
    private static async Task<IReadOnlyList<string>> SeedAsync(string db, int count)
    {
        var random = new Random(20);
        var items = Enumerable.Range(0, count).Select(_ => $"events/{Guid.NewGuid()}").ToList();
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var item in items)
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                "INSERT INTO item_ratings (item, kind, city_id, stars1, stars2, stars3, stars4, stars5, version) VALUES ($1, 'events', 'berlin', $2, $3, $4, $5, $6, 1)")
            {
                Parameters =
                {
                    new() { Value = item }, new() { Value = random.Next(0, 20) }, new() { Value = random.Next(0, 20) }, new() { Value = random.Next(0, 40) },
                    new() { Value = random.Next(0, 80) }, new() { Value = random.Next(0, 120) },
                },
            });
        await batch.ExecuteNonQueryAsync();
        return items;
    }

    private static async Task<Round> DriveAsync(HttpClient http, Uri address, IReadOnlyList<string> items, int concurrency, TimeSpan duration)
    {
        var latencies = new List<double>[concurrency];
        var errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = latencies[worker] = new List<double>(1 << 16);
            var random = new Random(worker);
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(new Uri(address, $"/v1/{items[random.Next(items.Count)]}/rating"));
                await response.Content.LoadIntoBufferAsync();
                if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref errors);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToList();
        return new Round(all.Count / seconds, Percentile(all, 0.50), Percentile(all, 0.99), errors);
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string Report(RatingLoadOptions options, Dictionary<string, List<Round>> rounds)
    {
        static double Median(IEnumerable<double> values)
        {
            var v = values.Order().ToList();
            return v.Count == 0 ? 0 : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
        }
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"GET /v1/{{item}}/rating — {options.Rounds} rounds × {options.Seconds} s per variant, concurrency {options.Concurrency}, {options.Items} items, load before: {File.ReadAllText("/proc/loadavg").Trim()}");
        text.AppendLine("variant   | req/s (median) | p50 ms | p99 ms | errors");
        foreach (var (name, list) in rounds)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{name,-9} | {Median(list.Select(r => r.Rps)),14:F0} | {Median(list.Select(r => r.P50)),6:F2} | {Median(list.Select(r => r.P99)),6:F2} | {list.Sum(r => r.Errors)}");
        var ratio = Median(rounds["uncached"].Select(r => r.Rps)) is var u and > 0 ? Median(rounds["cached"].Select(r => r.Rps)) / u : double.NaN;
        text.AppendLine(CultureInfo.InvariantCulture, $"cached ÷ uncached req/s: {ratio:F2}");
        return text.ToString();
    }

    private static void Log(string message) => Console.Error.WriteLine($"[rating] {message}");
}

/// <summary>The flags of <c>rating-load</c> (--name value pairs); defaults in the property initialisers.</summary>
public sealed class RatingLoadOptions
{
    public int Seconds { get; private set; } = 10;
    public int WarmupSeconds { get; private set; } = 10;
    public int Rounds { get; private set; } = 3;
    public int Concurrency { get; private set; } = 32;
    public int Items { get; private set; } = 1000;
    public string WorkDir { get; private set; } = Path.Combine(".mesh", "bench");

    public static RatingLoadOptions Parse(string[] args)
    {
        var options = new RatingLoadOptions();
        for (var i = 0; i + 1 < args.Length || i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
            var value = args[i + 1];
            switch (args[i])
            {
                case "--seconds": options.Seconds = Positive(args[i], value); break;
                case "--warmup": options.WarmupSeconds = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rounds": options.Rounds = Positive(args[i], value); break;
                case "--concurrency": options.Concurrency = Positive(args[i], value); break;
                case "--items": options.Items = Positive(args[i], value); break;
                case "--work": options.WorkDir = value; break;
                default: throw new ArgumentException($"unknown flag {args[i]}");
            }
        }
        return options;
    }

    private static int Positive(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{flag} must be a positive integer");
}
