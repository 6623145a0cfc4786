using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mesh.Booking.V1;
using Mesh.Servers;
using Mesh.Payment.V1;
using Mesh.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mesh.Benchmarks.Booking;

/// <summary>
/// <c>booking-load</c> (issue #10, "Measure"): confirmed bookings per second end to end over gRPC — CreateHold then
/// Checkout, paid through the real payment service — at saturating concurrency, with checkout p50/p99; then, on the
/// same PostgreSQL server in the same run, pgbench running the bare "take seat if free" UPDATE, and the ratio.
/// <para>
/// Real parts: PostgreSQL and RabbitMQ as processes (Mesh.Servers launchers), booking and payment as in their
/// Program.cs (stores, outbox relays, workers, token validation) hosted in this process on loopback h2c. The catalog
/// is <see cref="BenchCatalog"/> (its contract from memory). Everything shares the machine's cores with the driver.
/// </para>
/// </summary>
public static partial class BookingLoad
{
    public static async Task<int> RunAsync(BookingLoadOptions options)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var servers = Path.Combine(Path.GetTempPath(), $"mesh-bench-booking-{Environment.ProcessId}");
        var results = Path.GetFullPath(Path.Combine(options.WorkDir, "results"));
        Directory.CreateDirectory(results);
        Log($"starting PostgreSQL (durable: fsync on) and RabbitMQ under {servers}");
        var postgresOptions = new PostgresOptions { DataDirectory = Path.Combine(servers, "postgres"), LogFile = Path.Combine(servers, "postgres.log") };
        var postgres = await PostgresServer.StartAsync(postgresOptions);
        if (options.Statements) postgres = await StatementMix.EnableAsync(postgres, postgresOptions);
        RabbitMqServer? rabbit = null;
        try
        {
            rabbit = await RabbitMqServer.StartAsync(new RabbitMqOptions { DataDirectory = Path.Combine(servers, "rabbitmq"), LogFile = Path.Combine(servers, "rabbitmq.log") });
            foreach (var db in new[] { "bookingdb", "paymentdb", "seatbench" }) await postgres.CreateDatabaseAsync(db);

            var load = await RunBookingsAsync(options, postgres, new PostgresCpu(postgresOptions.DataDirectory), rabbit, postgresOptions.LogFile!);
            var pgbench = await RunPgbenchAsync(options, postgres, servers);
            StatementReplay.Result? replay = null;
            if (load is { Mix: { } mix, FirstCapture: { } first, Template: { } template })
            {
                var scripts = Path.Combine(results, $"booking-{stamp}-replay");
                Directory.CreateDirectory(scripts);
                Log($"pgbench replaying one booking's statements (scripts in {scripts})");
                replay = await StatementReplay.RunAsync(postgres, scripts, first, template, mix, load.Identities![0], load.Identities, options.PgbenchClients, options.PgbenchSeconds);
            }
            var report = Report(options, load, pgbench, replay);
            Console.WriteLine(report);
            var file = Path.Combine(results, $"booking-{stamp}.txt");
            await File.WriteAllTextAsync(file, report);
            Log($"written to {file}");
            return 0;
        }
        finally
        {
            if (rabbit is not null) await rabbit.StopAsync();
            await postgres.StopAsync();
            try { Directory.Delete(servers, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>CpuSeconds: what this process (driver, booking, payment) used in the measured window; LoadBefore: the 1-min load average then.</summary>
    private sealed record LoadResult(int Confirmed, double Seconds, IReadOnlyList<double> CheckoutMs, IReadOnlyList<double> HoldMs,
        IReadOnlyDictionary<string, int> Other, double CpuSeconds, double PostgresCpuSeconds, string LoadBefore, string? Statements,
        IReadOnlyList<StatementReplay.MixEntry>? Mix = null, List<StatementReplay.Logged>? FirstCapture = null, List<StatementReplay.Logged>? Template = null,
        IReadOnlyList<StatementReplay.Identity>? Identities = null);

    private sealed record PgbenchResult(double Tps, double LatencyMs, string Command);

    private static async Task<LoadResult> RunBookingsAsync(BookingLoadOptions options, PostgresServer postgres, PostgresCpu postgresCpu, RabbitMqServer rabbit, string postgresLog)
    {
        var tokens = new BenchTokens();
        var catalog = new BenchCatalog();
        var messaging = rabbit.ConnectionString;
        // Pools sized for the offered concurrency (booking: a hold and a checkout per client; payment: one charge each).
        var pool = $";Maximum Pool Size={Math.Max(20, options.Concurrency + 10)};Timeout=60";

        await using var catalogApp = Build(null, new() { }, b => b.Services.AddSingleton(catalog), app => app.MapGrpcService<BenchCatalog>());
        await catalogApp.StartAsync();
        var catalogAddress = catalogApp.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;

        await using var paymentApp = Build(typeof(Mesh.Payment.PaymentsApi), new()
        {
            ["ConnectionStrings:paymentdb"] = postgres.ConnectionStringFor("paymentdb") + pool,
            ["ConnectionStrings:messaging"] = messaging,
            ["Mesh:Auth:Keys:0:Kid"] = BenchTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = tokens.PublicKeyPem,
        }, b => { b.AddPayment(); b.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Payment.Subscriptions.RecurringChargeRequested.Queues); }, app => app.MapGrpcService<Mesh.Payment.PaymentsApi>());
        await paymentApp.MigratePaymentDatabaseAsync();
        await paymentApp.StartAsync();
        var paymentAddress = paymentApp.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;

        await using var bookingApp = Build(typeof(Mesh.Booking.BookingApi), new()
        {
            ["ConnectionStrings:bookingdb"] = postgres.ConnectionStringFor("bookingdb") + pool,
            ["ConnectionStrings:messaging"] = messaging,
            ["services:catalog:grpc:0"] = catalogAddress.ToString(),
            ["services:payment:grpc:0"] = paymentAddress.ToString(),
            ["Mesh:Auth:Keys:0:Kid"] = BenchTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = tokens.PublicKeyPem,
        }, b => { b.AddBooking(); b.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Booking.Bookings.BookingMessages.PaymentTaskQueues); }, app => app.MapBooking());
        await bookingApp.MigrateBookingDatabaseAsync();
        await bookingApp.StartAsync();
        var bookingAddress = bookingApp.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;

        // Grpc.Net.Client over h2c; one connection per channel carries all the clients' calls (as one caller would).
        using var bookingChannel = Grpc.Net.Client.GrpcChannel.ForAddress(bookingAddress);
        using var paymentChannel = Grpc.Net.Client.GrpcChannel.ForAddress(paymentAddress);
        var booking = new Mesh.Booking.V1.Booking.BookingClient(bookingChannel);
        var payments = new Payments.PaymentsClient(paymentChannel);

        Log($"creating {options.Concurrency} customers with a saved card");
        var customers = await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            var id = Guid.NewGuid().ToString();
            var bearer = $"Bearer {tokens.Mint(id)}";
            var card = await payments.CreatePaymentMethodAsync(new CreatePaymentMethodRequest
            {
                CardNumber = Mesh.Payment.Provider.TestCards.Visa, ExpMonth = 12, ExpYear = DateTime.UtcNow.Year + 2, Cvc = "123",
            }, new Metadata { { "authorization", bearer } });
            return (Bearer: bearer, Card: card.Id, Id: id);
        }));

        Log($"hold → checkout with {options.Concurrency} clients: {options.WarmupSeconds}s warm-up, {options.Seconds}s measured");
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(options.WarmupSeconds * Stopwatch.Frequency);
        var stopAt = measureFrom + (long)(options.Seconds * Stopwatch.Frequency);
        var other = new ConcurrentDictionary<string, int>();
        var cpu = new CpuWindow(measureFrom, stopAt, postgresCpu, options.Statements ? postgres : null);
        var perClient = await Task.WhenAll(customers.Select(customer => Task.Run(async () =>
        {
            var latencies = new List<double>();
            var holdLatencies = new List<double>();
            var confirmed = 0;
            var auth = new Metadata { { "authorization", customer.Bearer } };
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var (showId, seatId) = catalog.NextSeat();
                string outcome;
                double checkoutMs = 0, holdMs = 0;
                var began = Stopwatch.GetTimestamp();
                try
                {
                    var hold = await booking.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seatId } }, auth);
                    var checkoutStart = Stopwatch.GetTimestamp();
                    holdMs = Stopwatch.GetElapsedTime(began, checkoutStart).TotalMilliseconds;
                    var record = await booking.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = customer.Card },
                        new Metadata { { "authorization", customer.Bearer }, { "idempotency-key", Guid.NewGuid().ToString() } });
                    checkoutMs = Stopwatch.GetElapsedTime(checkoutStart).TotalMilliseconds;
                    outcome = record.Status.ToString();
                }
                catch (RpcException e)
                {
                    outcome = $"error {e.StatusCode}";
                }
                // Counted only when the whole booking began inside the measured window and ended before its end.
                if (began < measureFrom || Stopwatch.GetTimestamp() > stopAt) continue;
                if (outcome == nameof(BookingStatus.Confirmed)) { confirmed++; latencies.Add(checkoutMs); holdLatencies.Add(holdMs); }
                else other.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            }
            return (confirmed, latencies, holdLatencies);
        })));

        var all = perClient.SelectMany(c => c.latencies).Order().ToList();
        var holds = perClient.SelectMany(c => c.holdLatencies).Order().ToList();
        var (cpuSeconds, postgresSeconds, loadBefore) = await cpu.Result;
        var confirmed = perClient.Sum(c => c.confirmed);
        Log($"done: {confirmed} confirmed in the measured window");
        // Read before the services stop, but after the window: relays and consumers of the window's bookings are in it.
        var statements = options.Statements ? await StatementMix.ReadAsync(postgres, confirmed) : null;
        IReadOnlyList<StatementReplay.MixEntry>? mix = null;
        List<StatementReplay.Logged>? first = null, template = null;
        if (options.Replay)
        {
            mix = await StatementMix.ReadEntriesAsync(postgres, confirmed);
            // Two bookings of one customer with every statement logged, once the window's relays and consumers are done.
            Log("capturing the statements of two bookings (log_statement = all) for the replay");
            await StatementReplay.WaitUntilQuietAsync(postgres, TimeSpan.FromSeconds(30));
            var customer = customers[0];
            async Task OneBookingAsync()
            {
                var (showId, seatId) = catalog.NextSeat();
                var hold = await booking.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seatId } }, new Metadata { { "authorization", customer.Bearer } });
                var record = await booking.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = customer.Card },
                    new Metadata { { "authorization", customer.Bearer }, { "idempotency-key", Guid.NewGuid().ToString() } });
                if (record.Status != BookingStatus.Confirmed) throw new InvalidOperationException($"the captured booking ended {record.Status}");
            }
            // Long enough for the outbox relays (1 s poll) and the payment-event consumer to handle the booking's messages.
            var settle = TimeSpan.FromSeconds(2.5);
            first = await StatementReplay.CaptureAsync(postgres, postgresLog, OneBookingAsync, settle);
            // Payment's maintenance round (every 30 s: a capture would rarely see it) looks each recent payment up at the
            // provider, ~1 statement per booking under load: one round inside the template's capture, as its timer runs it.
            var maintenance = paymentApp.Services.GetRequiredService<Mesh.Payment.Workers.PaymentMaintenance>();
            template = await StatementReplay.CaptureAsync(postgres, postgresLog, async () =>
            {
                await OneBookingAsync();
                await Task.Delay(TimeSpan.FromSeconds(1));   // the payment is settled before its lookup
                await maintenance.RunOnceAsync(CancellationToken.None);
            }, settle);
        }
        foreach (var app in new[] { bookingApp, paymentApp, catalogApp }) await app.StopAsync();
        return new LoadResult(confirmed, options.Seconds, all, holds, other, cpuSeconds, postgresSeconds, loadBefore, statements, mix, first, template,
            customers.Select(c => new StatementReplay.Identity(c.Id, c.Card)).ToList());
    }

    private static async Task<PgbenchResult> RunPgbenchAsync(BookingLoadOptions options, PostgresServer postgres, string servers)
    {
        const int seats = 1_000_000;
        await using (var db = new NpgsqlConnection(postgres.ConnectionStringFor("seatbench")))
        {
            await db.OpenAsync();
            await using var setup = new NpgsqlCommand($"""
                CREATE TABLE seats (id int PRIMARY KEY, holder int NULL);
                INSERT INTO seats (id) SELECT g FROM generate_series(1, {seats}) g;
                """, db) { CommandTimeout = 300 };
            await setup.ExecuteNonQueryAsync();
            await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE seats", db) { CommandTimeout = 300 };   // alone: VACUUM refuses a batch
            await vacuum.ExecuteNonQueryAsync();
        }
        var script = Path.Combine(servers, "take-seat.sql");
        // The bare "take seat if free": one conditional UPDATE of a random seat, the decision the database makes for a hold.
        await File.WriteAllTextAsync(script, $"\\set id random(1, {seats})\nUPDATE seats SET holder = :client_id WHERE id = :id AND holder IS NULL;\n");
        var pgbench = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pgbench")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("pgbench not found under /usr/lib/postgresql/*/bin (Debian package postgresql)");
        var args = new[] { "-n", "-c", options.PgbenchClients.ToString(CultureInfo.InvariantCulture), "-j", "2", "-T", options.PgbenchSeconds.ToString(CultureInfo.InvariantCulture),
            "-f", script, "-h", "127.0.0.1", "-p", postgres.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "seatbench" };
        Log($"pgbench {string.Join(' ', args)}");
        var start = new ProcessStartInfo(pgbench, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await stdout;
        if (process.ExitCode != 0) throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {await stderr}");
        var tps = double.Parse(TpsLine().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);
        var latency = double.Parse(LatencyLine().Match(text).Groups[1].Value, CultureInfo.InvariantCulture);
        return new PgbenchResult(tps, latency, $"pgbench {string.Join(' ', args).Replace(script, "take-seat.sql", StringComparison.Ordinal)}");
    }

    private static string Report(BookingLoadOptions options, LoadResult load, PgbenchResult pgbench, StatementReplay.Result? replay)
    {
        var rate = load.Confirmed / load.Seconds;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"booking-load  {DateTime.UtcNow:u}  {Environment.ProcessorCount} cores, load average now {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  hold → checkout (payment), {options.Concurrency} clients, {options.Seconds}s measured after {options.WarmupSeconds}s warm-up");
        text.AppendLine(CultureInfo.InvariantCulture, $"    confirmed bookings/s   {rate:F1}   ({load.Confirmed} confirmed)");
        text.AppendLine(CultureInfo.InvariantCulture, $"    checkout p50 / p99     {Percentile(load.CheckoutMs, 0.50):F1} ms / {Percentile(load.CheckoutMs, 0.99):F1} ms");
        text.AppendLine(CultureInfo.InvariantCulture, $"    hold p50 / p99         {Percentile(load.HoldMs, 0.50):F1} ms / {Percentile(load.HoldMs, 0.99):F1} ms");
        text.AppendLine(CultureInfo.InvariantCulture, $"    CPU of this process    {load.CpuSeconds / load.Seconds:F2} cores of {Environment.ProcessorCount} (load average {load.LoadBefore} when the window began; PostgreSQL's CPU not counted)");
        text.AppendLine(CultureInfo.InvariantCulture, $"    CPU of PostgreSQL      {load.PostgresCpuSeconds / load.Seconds:F2} cores (all its processes)");
        if (load.Confirmed > 0)
            text.AppendLine(CultureInfo.InvariantCulture, $"    CPU per booking        {load.CpuSeconds * 1000 / load.Confirmed:F2} ms .NET (driver + booking + payment), {load.PostgresCpuSeconds * 1000 / load.Confirmed:F2} ms PostgreSQL");
        text.AppendLine(CultureInfo.InvariantCulture, $"    not confirmed          {(load.Other.Count == 0 ? "none" : string.Join(", ", load.Other.Select(o => $"{o.Key}: {o.Value}")))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {pgbench.Command}");
        text.AppendLine(CultureInfo.InvariantCulture, $"    take-seat UPDATEs/s    {pgbench.Tps:F0}   (average latency {pgbench.LatencyMs:F2} ms)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  ratio bookings/s ÷ pgbench tps = {rate / pgbench.Tps:F4}");
        if (replay is not null)
        {
            text.AppendLine("  pgbench replaying one booking's statements (pg_stat_statements mix of the window, parameters from a captured booking), same server, same run");
            text.Append(replay.Summary);
            text.AppendLine(CultureInfo.InvariantCulture, $"    replay floor           {replay.Floor:F1} bookings/s   (1 / (1/{replay.BookingTps:F0} + 1/{replay.PaymentTps:F0}): both halves on one machine)");
            text.AppendLine(CultureInfo.InvariantCulture, $"  ratio bookings/s ÷ replay floor = {rate / replay.Floor:F3}   (target >= 0.5)");
        }
        if (load.Statements is not null) text.Append(load.Statements);
        return text.ToString();
    }

    /// <summary>This process's CPU time across the measured window (Stopwatch timestamps), and the load average at its start.</summary>
    /// <summary>Also PostgreSQL's CPU over the window and, with --statements, resets pg_stat_statements when it opens.</summary>
    private sealed class CpuWindow(long from, long to, PostgresCpu postgresCpu, PostgresServer? statements)
    {
        public Task<(double CpuSeconds, double PostgresSeconds, string LoadBefore)> Result { get; } = MeasureAsync(from, to, postgresCpu, statements);

        private static async Task<(double, double, string)> MeasureAsync(long from, long to, PostgresCpu postgresCpu, PostgresServer? statements)
        {
            await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), from) is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
            if (statements is not null) await StatementMix.ResetAsync(statements);
            var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            var postgresBefore = postgresCpu.Seconds();
            await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), to) is var rest && rest > TimeSpan.Zero ? rest : TimeSpan.Zero);
            return ((Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds, postgresCpu.Seconds() - postgresBefore, load);
        }
    }

    internal static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>A service as its Program.cs composes it, on free loopback ports, quiet logs (also <see cref="CouponLoad"/>'s).</summary>
    internal static WebApplication Build(Type? api, Dictionary<string, string?> settings, Action<WebApplicationBuilder> compose, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = api?.Assembly.GetName().Name, ContentRootPath = AppContext.BaseDirectory,
        });
        settings[ServiceEndpoints.GrpcPortKey] = "0";
        settings[ServiceEndpoints.HttpPortKey] = "0";
        settings[HostingExtensions.DrainTimeoutKey] = "00:00:01";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        compose(builder);
        var app = builder.Build();
        map(app);
        app.MapDefaultEndpoints();
        return app;
    }

    private static void Log(string message) => Console.Error.WriteLine($"[booking-load] {message}");

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"latency average = ([0-9.]+) ms")]
    private static partial Regex LatencyLine();
}
