using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Mesh.Analytics.V1;
using Mesh.Servers;
using Mesh.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mesh.Benchmarks.Analytics;

/// <summary>
/// <c>analytics-load</c> (issue 23, "Measure"): (1) sustained ingestion — P producers stream batches of 500 events
/// (StreamEventBatches, each batch one gRPC message and one stream message) for S seconds, then the run waits until the consumer has counted every accepted event; the
/// number is accepted events ÷ the time from the first event until the consumer caught up (producer-side rate printed
/// too). (2) CheckRisk latency at a fixed arrival rate (open loop, default 1,000 calls/s for S seconds), p50/p99/max.
/// Real parts: PostgreSQL (durable), Redis and RabbitMQ as processes (Mesh.Servers), analytics composed as its
/// Program.cs composes it, in this process with the driver, all on the machine's two cores.
/// </summary>
public static class AnalyticsLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Options.Parse(args);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var servers = Path.Combine(Path.GetTempPath(), $"mesh-bench-analytics-{Environment.ProcessId}");
        var results = Path.GetFullPath(Path.Combine(options.WorkDir, "results"));
        Directory.CreateDirectory(results);
        Log($"starting PostgreSQL (durable), Redis and RabbitMQ under {servers}");
        var postgres = await PostgresServer.StartAsync(new PostgresOptions { DataDirectory = Path.Combine(servers, "postgres"), LogFile = Path.Combine(servers, "postgres.log") });
        RedisServer? redis = null;
        RabbitMqServer? rabbit = null;
        WebApplication? app = null;
        try
        {
            redis = await RedisServer.StartAsync(new RedisOptions { DataDirectory = Path.Combine(servers, "redis"), Ephemeral = true });
            rabbit = await RabbitMqServer.StartAsync(new RabbitMqOptions { DataDirectory = Path.Combine(servers, "rabbitmq"), LogFile = Path.Combine(servers, "rabbitmq.log") });
            await postgres.CreateDatabaseAsync("analyticsdb");
            var db = postgres.ConnectionStringFor("analyticsdb");
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(Mesh.Analytics.AnalyticsApi).Assembly.GetName().Name, ContentRootPath = AppContext.BaseDirectory });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [ServiceEndpoints.GrpcPortKey] = "0", [ServiceEndpoints.HttpPortKey] = "0",
                ["ConnectionStrings:analyticsdb"] = db, ["ConnectionStrings:cache"] = redis.ConnectionString, ["ConnectionStrings:messaging"] = rabbit.ConnectionString,
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.AddServiceDefaults();
            builder.AddAnalytics();
            app = builder.Build();
            await app.MigrateAnalyticsDatabaseAsync();
            app.MapAnalytics();
            await app.StartAsync();
            using var channel = GrpcChannel.ForAddress(app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress);
            var client = new Mesh.Analytics.V1.Analytics.AnalyticsClient(channel);

            // --producers 0: CheckRisk alone, on an idle consumer.
            var ingestion = "ingestion: skipped (--producers 0)";
            if (options.Producers > 0)
            {
                var ingest = await IngestAsync(client, db, options);
                ingestion = string.Join('\n',
                    $"ingestion: {options.Producers} producers × {options.Seconds} s, {ingest.Accepted} events accepted in {ingest.ProduceSeconds:F1} s ({ingest.Accepted / ingest.ProduceSeconds:F0} events/s accepted)",
                    $"           consumer caught up {ingest.CatchUpSeconds:F1} s after the first event: sustained {ingest.Accepted / ingest.CatchUpSeconds:F0} events/s end to end");
            }
            // --driver-process: the CheckRisk calls come from a process of their own (its own thread pool, GC and
            // HTTP/2 client), so the latencies are not the driver's pauses; still the same two cores.
            async Task<string> RiskAgainstAsync(string address)
            {
                if (options.DriverProcess) return await RiskFromChildAsync(address, options);
                using var to = GrpcChannel.ForAddress(address);
                return (await RiskAsync(new Mesh.Analytics.V1.Analytics.AnalyticsClient(to), options.RiskRate, options.Seconds)).Describe(options.RiskRate, options.Seconds);
            }
            var risk = await RiskAgainstAsync(app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress.ToString());
            // The references, same driver and rate, analytics idle meanwhile (RiskFloor): the machine's own tail for a
            // gRPC answer, for one with a Redis round trip in it, and for one with CheckRisk's script in it.
            foreach (var floor in new[] { "grpc", "grpc+redis", "grpc+script" })
            {
                var (floorApp, floorAddress) = await RiskFloor.StartAsync(floor, redis.ConnectionString);
                await using (floorApp)
                {
                    Log($"reference: bare {floor}");
                    risk += $"\nreference, bare {floor} (RiskFloor):\n" + await RiskAgainstAsync(floorAddress);
                    await floorApp.StopAsync();
                }
            }
            var report = string.Join('\n',
                $"analytics-load {stamp} (2 cores shared with the services, the servers and the driver{(options.DriverProcess ? " (a process of its own)" : "")}; load average before: {File.ReadAllText("/proc/loadavg").Trim()})",
                ingestion,
                risk);
            Console.WriteLine(report);
            var file = Path.Combine(results, $"analytics-{stamp}.txt");
            await File.WriteAllTextAsync(file, report + "\n");
            Log($"written to {file}");
            return 0;
        }
        finally
        {
            if (app is not null) { await app.StopAsync(); await app.DisposeAsync(); }
            if (rabbit is not null) await rabbit.StopAsync();
            if (redis is not null) await redis.StopAsync();
            await postgres.StopAsync();
            try { Directory.Delete(servers, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task<(long Accepted, double ProduceSeconds, double CatchUpSeconds)> IngestAsync(Mesh.Analytics.V1.Analytics.AnalyticsClient client, string db, Options options)
    {
        var shows = Enumerable.Range(0, 1000).Select(_ => $"shows/{Guid.NewGuid()}").ToArray();
        var users = Enumerable.Range(0, 10_000).Select(_ => Guid.NewGuid().ToString()).ToArray();
        var types = new[] { "view", "view", "view", "click", "add_to_hold" };
        long accepted = 0;
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(options.Seconds);
        Log($"ingestion: {options.Producers} producers for {options.Seconds} s");
        await Task.WhenAll(Enumerable.Range(0, options.Producers).Select(async p =>
        {
            var random = new Random(p);
            while (clock.Elapsed < until)
            {
                // A producer that buffers its events sends them 500 to a message (StreamEventBatches), 10 messages a call.
                using var call = client.StreamEventBatches();
                for (var m = 0; m < 10; m++)
                {
                    var batch = new IngestEventsRequest();
                    for (var i = 0; i < 500; i++)
                    {
                        batch.Events.Add(new AnalyticsEvent
                        {
                            Id = Guid.CreateVersion7().ToString(), Type = types[random.Next(types.Length)], Time = Timestamp.FromDateTime(DateTime.UtcNow),
                            UserId = users[random.Next(users.Length)], Item = shows[random.Next(shows.Length)], CityId = $"city-{random.Next(5)}",
                        });
                    }
                    await call.RequestStream.WriteAsync(batch);
                }
                await call.RequestStream.CompleteAsync();
                Interlocked.Add(ref accepted, (await call).Accepted);
            }
        }));
        var produced = clock.Elapsed.TotalSeconds;
        Log($"ingestion: {accepted} accepted in {produced:F1} s; waiting for the consumer");
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        while (true)
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM processed_events", connection);
            var counted = (long)(await count.ExecuteScalarAsync())!;
            if (counted >= accepted) break;
            if (clock.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException($"the consumer counted {counted} of {accepted} in 30 minutes");
            await Task.Delay(500);
        }
        return (accepted, produced, clock.Elapsed.TotalSeconds);
    }

    /// <summary>CheckRisk latencies at a fixed arrival rate, all calls and per decision (a CHALLENGE or BLOCK also opens a case).</summary>
    private sealed record RiskResult(int Calls, int Errors, Percentiles All, IReadOnlyDictionary<RiskDecision, Percentiles> ByDecision)
    {
        public string Describe(int rate, int seconds) =>
            $"CheckRisk: {Calls} calls at {rate}/s for {seconds} s: {All}, errors {Errors}\n" +
            string.Join('\n', ByDecision.OrderBy(d => d.Key).Select(d => $"           {d.Key}: {d.Value}"));
    }

    /// <summary>
    /// <c>analytics-risk-driver --address URL [--risk-rate N] [--seconds S]</c>: the CheckRisk phase alone against a
    /// running analytics service; prints its result lines on stdout.
    /// </summary>
    public static async Task<int> DriveRiskAsync(string[] args)
    {
        string? address = null;
        int rate = 1000, seconds = 20;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--address": address = args[i + 1]; break;
                case "--risk-rate": rate = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown flag {args[i]}");
            }
        }
        if (address is null) throw new ArgumentException("--address is required");
        using var channel = GrpcChannel.ForAddress(address);
        var result = await RiskAsync(new Mesh.Analytics.V1.Analytics.AnalyticsClient(channel), rate, seconds);
        Console.WriteLine(result.Describe(rate, seconds));
        return 0;
    }

    /// <summary>Runs <see cref="DriveRiskAsync"/> in a child process (this assembly again) and returns what it printed.</summary>
    private static async Task<string> RiskFromChildAsync(string address, Options options)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(AnalyticsLoad).Assembly.Location, "analytics-risk-driver", "--address", address,
            "--risk-rate", options.RiskRate.ToString(CultureInfo.InvariantCulture), "--seconds", options.Seconds.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
        };
        using var child = Process.Start(start)!;
        var printed = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        if (child.ExitCode != 0) throw new InvalidOperationException($"analytics-risk-driver exited with {child.ExitCode}");
        return printed.TrimEnd();
    }

    private sealed record Percentiles(int Count, double P50, double P99, double Max)
    {
        public static Percentiles Of(List<double> sorted) => sorted.Count == 0 ? new(0, double.NaN, double.NaN, double.NaN)
            : new(sorted.Count, sorted[sorted.Count / 2], sorted[Math.Min(sorted.Count - 1, (int)(0.99 * sorted.Count))], sorted[^1]);

        public override string ToString() => $"{Count} calls, p50 {P50:F2} ms, p99 {P99:F2} ms, max {Max:F2} ms";
    }

    private static async Task<RiskResult> RiskAsync(Mesh.Analytics.V1.Analytics.AnalyticsClient client, int rate, int seconds)
    {
        Log($"CheckRisk: {rate}/s for {seconds} s (after a 3 s warm-up)");
        var latencies = new List<(double Ms, RiskDecision Decision)>();
        var errors = 0;
        async Task OneAsync(int i, bool record)
        {
            var request = new CheckRiskRequest { Action = (RiskAction)(1 + i % 4), UserId = $"user-{i % 5000}", Ip = $"10.0.{i % 250}.{i % 7}", DeviceId = $"device-{i % 3000}" };
            if (request.Action == RiskAction.Payment) request.CardFingerprint = $"card-{i % 4000}";
            var started = Stopwatch.GetTimestamp();
            try
            {
                var response = await client.CheckRiskAsync(request);
                if (record) lock (latencies) latencies.Add((Stopwatch.GetElapsedTime(started).TotalMilliseconds, response.Decision));
            }
            catch (Grpc.Core.RpcException) { if (record) Interlocked.Increment(ref errors); }
        }
        async Task RunAtRateAsync(int duration, bool record)
        {
            var pending = new List<Task>();
            var clock = Stopwatch.StartNew();
            var total = duration * rate;
            for (var i = 0; i < total; i++)
            {
                var due = TimeSpan.FromSeconds((double)i / rate);
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
                pending.Add(OneAsync(i, record));
            }
            await Task.WhenAll(pending);
        }
        await RunAtRateAsync(3, record: false);
        await RunAtRateAsync(seconds, record: true);
        var all = latencies.Select(l => l.Ms).Order().ToList();
        var byDecision = latencies.GroupBy(l => l.Decision).ToDictionary(g => g.Key, g => Percentiles.Of(g.Select(l => l.Ms).Order().ToList()));
        return new RiskResult(latencies.Count + errors, errors, Percentiles.Of(all), byDecision);
    }

    private static void Log(string message) => Console.Error.WriteLine($"[analytics] {message}");

    public sealed class Options
    {
        public int Seconds { get; private set; } = 20;
        public int Producers { get; private set; } = 8;
        public int RiskRate { get; private set; } = 1000;
        public bool DriverProcess { get; private set; }
        public string WorkDir { get; private set; } = Path.Combine(".mesh", "bench");

        public static Options Parse(string[] args)
        {
            var options = new Options();
            for (var i = 0; i < args.Length; i += 2)
            {
                if (args[i] == "--driver-process") { options.DriverProcess = true; i--; continue; }
                if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
                var value = args[i + 1];
                switch (args[i])
                {
                    case "--seconds": options.Seconds = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--producers": options.Producers = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--risk-rate": options.RiskRate = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--work": options.WorkDir = value; break;
                    default: throw new ArgumentException($"unknown flag {args[i]}");
                }
            }
            return options;
        }
    }
}
