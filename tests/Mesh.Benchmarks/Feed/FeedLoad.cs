using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grpc.Net.Client;
using Mesh.Ads.V1;
using Mesh.Feed.V1;
using Mesh.Servers;
using Mesh.ServiceDefaults.Auth;
using Mesh.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mesh.Benchmarks.Feed;

/// <summary>
/// <c>feed-load</c> (issue 24, "Measure"): GetFeed p50/p99 and calls/s for C concurrent signed-in users (default 200),
/// served from Redis (cached) and computed (uncached, Feed:CacheDuration = 0), alternating rounds in one run; then
/// SelectAds p50/p99 at the same concurrency.
/// <para>
/// Real parts: PostgreSQL and Redis as processes (Mesh.Servers launchers), the feed (twice: with and without the cache,
/// on one feeddb seeded with three bookings per user) and the ads service (adsdb, five approved campaigns with budgets
/// no run exhausts) composed as their Program.cs compose them, hosted in this process with the gRPC driver. The other
/// upstreams (catalog, rating, booking, analytics) are in-memory answers (<see cref="BenchUpstreams"/>), so the numbers
/// are the feed's own fan-out, database, cache and ads. Everything shares the machine's cores with the driver: read the
/// ratio of the variants in one run, not either absolute.
/// </para>
/// </summary>
public static class FeedLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Options.Parse(args);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var servers = Path.Combine(Path.GetTempPath(), $"mesh-bench-feed-{Environment.ProcessId}");
        var results = Path.GetFullPath(Path.Combine(options.WorkDir, "results"));
        Directory.CreateDirectory(results);
        Log($"starting PostgreSQL and Redis under {servers}");
        var postgres = await PostgresServer.StartAsync(new PostgresOptions { DataDirectory = Path.Combine(servers, "postgres"), LogFile = Path.Combine(servers, "postgres.log") });
        RedisServer? redis = null;
        var apps = new List<WebApplication>();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            redis = await RedisServer.StartAsync(new RedisOptions { DataDirectory = Path.Combine(servers, "redis"), Ephemeral = true });
            await postgres.CreateDatabaseAsync("feeddb");
            await postgres.CreateDatabaseAsync("adsdb");
            var pem = key.ExportSubjectPublicKeyInfoPem();

            var catalog = new BenchCatalog();
            var upstreams = await StartAsync(null, [], b => b.Services.AddSingleton(catalog), app =>
            {
                app.MapGrpcService<BenchCatalog>();
                app.MapGrpcService<BenchRating>();
                app.MapGrpcService<BenchAnalytics>();
                app.MapGrpcService<BenchBooking>();
            });
            apps.Add(upstreams);
            var upstream = Grpc(upstreams).ToString();

            var adsDb = postgres.ConnectionStringFor("adsdb") + ";Maximum Pool Size=60";
            // No frequency cap: 200 users calling for seconds would reach the cap (3 a day per campaign) within their first
            // calls and get pages without ads — no serving transaction — which is not the page this measures.
            var ads = await StartAsync(typeof(Mesh.Ads.AdsApi), new()
                {
                    ["ConnectionStrings:adsdb"] = adsDb, ["Mesh:Auth:Keys:0:Kid"] = "bench", ["Mesh:Auth:Keys:0:Pem"] = pem,
                    ["Ads:FrequencyCap"] = int.MaxValue.ToString(CultureInfo.InvariantCulture),
                },
                b => b.AddAds(), app => app.MapAds(), app => app.MigrateAdsDatabaseAsync());
            apps.Add(ads);
            await SeedCampaignsAsync(adsDb);

            var feedDb = postgres.ConnectionStringFor("feeddb") + ";Maximum Pool Size=60";
            Dictionary<string, string?> FeedSettings(TimeSpan cache, string prefix) => new()
            {
                ["ConnectionStrings:feeddb"] = feedDb, ["ConnectionStrings:cache"] = redis.ConnectionString, ["Feed:CacheDuration"] = cache.ToString(),
                ["Feed:RedisKeyPrefix"] = prefix, ["Feed:UpstreamDeadline"] = "00:00:05",
                ["services:catalog:grpc:0"] = upstream, ["services:rating:grpc:0"] = upstream, ["services:booking:grpc:0"] = upstream,
                ["services:analytics:grpc:0"] = upstream, ["services:ads:grpc:0"] = Grpc(ads).ToString(),
                ["Mesh:Auth:Keys:0:Kid"] = "bench", ["Mesh:Auth:Keys:0:Pem"] = pem,
            };
            var cached = await StartAsync(typeof(Mesh.Feed.FeedApi), FeedSettings(TimeSpan.FromMinutes(10), "bench-cached:"), b => b.AddFeed(), app => app.MapFeed(), app => app.MigrateFeedDatabaseAsync());
            var uncached = await StartAsync(typeof(Mesh.Feed.FeedApi), FeedSettings(TimeSpan.Zero, "bench-uncached:"), b => b.AddFeed(), app => app.MapFeed());
            apps.AddRange([cached, uncached]);
            var users = Enumerable.Range(0, options.Concurrency).Select(_ => Guid.NewGuid().ToString()).ToList();
            await SeedBookingsAsync(feedDb, users, catalog);
            var tokens = users.Select(u => new Metadata { { "authorization", $"Bearer {Mint(key, u)}" } }).ToList();
            Log($"seeded 3 bookings for each of {users.Count} users; 5 approved campaigns");

            using var cachedChannel = GrpcChannel.ForAddress(Grpc(cached));
            using var uncachedChannel = GrpcChannel.ForAddress(Grpc(uncached));
            using var adsChannel = GrpcChannel.ForAddress(Grpc(ads));
            var variants = new (string Name, Mesh.Feed.V1.Feed.FeedClient Client)[] { ("cached", new(cachedChannel)), ("uncached", new(uncachedChannel)) };
            foreach (var (name, client) in variants)
            {
                Log($"warm-up {name}: {options.WarmupSeconds} s");
                await DriveAsync(options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), w => Feed(client, tokens[w]));
            }
            var rounds = variants.ToDictionary(v => v.Name, _ => new List<Round>());
            for (var r = 1; r <= options.Rounds; r++)
                foreach (var (name, client) in r % 2 == 1 ? variants : variants.Reverse())
                {
                    var round = await DriveAsync(options.Concurrency, TimeSpan.FromSeconds(options.Seconds), w => Feed(client, tokens[w]));
                    rounds[name].Add(round);
                    Log($"round {r} {name}: {round.Rps:F0} calls/s, p50 {round.P50:F2} ms, p99 {round.P99:F2} ms, errors {round.Errors}");
                }
            var adsClient = new Mesh.Ads.V1.Ads.AdsClient(adsChannel);
            var selection = new List<Round>();
            for (var r = 1; r <= options.Rounds; r++)
            {
                var round = await DriveAsync(options.Concurrency, TimeSpan.FromSeconds(options.Seconds), async w =>
                    (await adsClient.SelectAdsAsync(new SelectAdsRequest { City = BenchCatalog.City, Slots = 2, DeviceId = Guid.NewGuid().ToString() })).Ads.Count > 0);
                selection.Add(round);
                Log($"round {r} SelectAds: {round.Rps:F0} calls/s, p50 {round.P50:F2} ms, p99 {round.P99:F2} ms, errors {round.Errors}");
            }
            rounds["SelectAds"] = selection;

            var report = Report(options, rounds);
            Console.WriteLine(report);
            var file = Path.Combine(results, $"feed-{stamp}.txt");
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

    /// <summary>One GetFeed; an answer with a missing section counts as an error (the benchmark's upstreams never fail).</summary>
    private static async Task<bool> Feed(Mesh.Feed.V1.Feed.FeedClient client, Metadata token)
    {
        var page = await client.GetFeedAsync(new GetFeedRequest { City = BenchCatalog.City }, token);
        return page.MissingSections.Count == 0 && page.Sections.Count == 5;
    }

    private static Uri Grpc(WebApplication app) => app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;

    private static async Task<WebApplication> StartAsync(Type? service, Dictionary<string, string?> settings, Action<WebApplicationBuilder> compose, Action<WebApplication> map,
        Func<WebApplication, Task>? migrate = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = (service ?? typeof(FeedLoad)).Assembly.GetName().Name });
        settings[ServiceEndpoints.GrpcPortKey] = "0";
        settings[ServiceEndpoints.HttpPortKey] = "0";
        builder.Configuration.AddInMemoryCollection(settings);
        // Errors only: under overload every late upstream is a warning per call, and writing them would be the load.
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.AddServiceDefaults();
        compose(builder);
        var app = builder.Build();
        if (migrate is not null) await migrate(app);
        map(app);
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return app;
    }

    private static async Task SeedCampaignsAsync(string db)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        for (var i = 0; i < 5; i++)
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO campaigns (id, partner_id, name, creative, cities, start_time, end_time, daily_budget_minor, currency, bid_type, bid_minor, state, create_time)
                VALUES ($1, 'bench', 'bench', '{"title":"Ad","target_url":"https://example.com"}', '{bench}', now() - interval '1 day', now() + interval '1 day',
                        100000000, 'EUR', 'CPM', $2, 'APPROVED', now())
                """, connection) { Parameters = { new() { Value = Guid.CreateVersion7() }, new() { Value = 500L + i * 100 } } };
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task SeedBookingsAsync(string db, IReadOnlyList<string> users, BenchCatalog catalog)
    {
        var random = new Random(24);
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var user in users)
            for (var i = 0; i < 3; i++)
            {
                var show = catalog.Shows[random.Next(catalog.Shows.Count)];
                batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                    INSERT INTO booked (booking_id, user_id, show_id, event_id, title, venue_id, city_id, genres, starts_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    """)
                {
                    Parameters =
                    {
                        new() { Value = Guid.CreateVersion7() }, new() { Value = user }, new() { Value = Guid.Parse(show.Id) }, new() { Value = Guid.Parse(show.EventId) },
                        new() { Value = show.Event.Title }, new() { Value = show.VenueId }, new() { Value = show.CityId }, new() { Value = show.Event.Genres.ToArray() },
                        new() { Value = show.StartTime.ToDateTime() },
                    },
                });
            }
        await batch.ExecuteNonQueryAsync();
    }

    /// <summary>An ES256 access token as the users service issues them, signed with the key the services trust here.</summary>
    private static string Mint(ECDsa key, string subject)
    {
        static string Encode(object value) => Base64Url.Encode(JsonSerializer.SerializeToUtf8Bytes(value));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var input = $"{Encode(new { alg = "ES256", typ = "JWT", kid = "bench" })}.{Encode(new { iss = MeshTokens.DefaultIssuer, aud = MeshTokens.DefaultAudience, sub = subject, roles = new[] { "customer" }, iat = now, exp = now + 7200 })}";
        return $"{input}.{Base64Url.Encode(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))}";
    }

    private sealed record Round(double Rps, double P50, double P99, int Errors);

    /// <summary><paramref name="concurrency"/> workers calling in a loop for <paramref name="duration"/>; a false or a throw is an error.</summary>
    private static async Task<Round> DriveAsync(int concurrency, TimeSpan duration, Func<int, Task<bool>> call)
    {
        var latencies = new List<double>[concurrency];
        var errors = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = latencies[worker] = new List<double>(1 << 14);
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                bool ok;
                try { ok = await call(worker); } catch (RpcException) { ok = false; }
                if (!ok) Interlocked.Increment(ref errors);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToList();
        return new Round(all.Count / clock.Elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99), errors);
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string Report(Options options, Dictionary<string, List<Round>> rounds)
    {
        static double Median(IEnumerable<double> values)
        {
            var v = values.Order().ToList();
            return v.Count == 0 ? 0 : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
        }
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"GetFeed (signed in) and SelectAds — {options.Rounds} rounds × {options.Seconds} s per variant, {options.Concurrency} concurrent users, load before: {File.ReadAllText("/proc/loadavg").Trim()}");
        text.AppendLine("variant   | calls/s (median) | p50 ms | p99 ms | errors");
        foreach (var (name, list) in rounds)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{name,-9} | {Median(list.Select(r => r.Rps)),16:F0} | {Median(list.Select(r => r.P50)),6:F2} | {Median(list.Select(r => r.P99)),6:F2} | {list.Sum(r => r.Errors)}");
        var ratio = Median(rounds["uncached"].Select(r => r.P99)) is var u and > 0 ? Median(rounds["cached"].Select(r => r.P99)) / u : double.NaN;
        text.AppendLine(CultureInfo.InvariantCulture, $"cached ÷ uncached GetFeed p99: {ratio:F2}");
        return text.ToString();
    }

    private static void Log(string message) => Console.Error.WriteLine($"[feed] {message}");

    /// <summary>The flags of <c>feed-load</c> (--name value pairs); defaults in the property initialisers.</summary>
    public sealed class Options
    {
        public int Seconds { get; private set; } = 10;
        public int WarmupSeconds { get; private set; } = 5;
        public int Rounds { get; private set; } = 3;
        public int Concurrency { get; private set; } = 200;
        public string WorkDir { get; private set; } = Path.Combine(".mesh", "bench");

        public static Options Parse(string[] args)
        {
            var options = new Options();
            for (var i = 0; i < args.Length; i += 2)
            {
                if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
                var value = args[i + 1];
                switch (args[i])
                {
                    case "--seconds": options.Seconds = Positive(args[i], value); break;
                    case "--warmup": options.WarmupSeconds = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--rounds": options.Rounds = Positive(args[i], value); break;
                    case "--concurrency": options.Concurrency = Positive(args[i], value); break;
                    case "--work": options.WorkDir = value; break;
                    default: throw new ArgumentException($"unknown flag {args[i]}");
                }
            }
            return options;
        }

        private static int Positive(string flag, string value) =>
            int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{flag} must be a positive integer");
    }
}
