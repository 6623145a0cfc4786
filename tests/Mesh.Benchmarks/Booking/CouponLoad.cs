using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Mesh.Booking.V1;
using Mesh.Payment.V1;
using Mesh.Referral.V1;
using Mesh.Servers;
using Mesh.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Benchmarks.Booking;

/// <summary>
/// <c>coupon-load</c> (issue #19, "Measure"): hold → checkout end to end over gRPC, the same clients alternating
/// between checking out without a coupon and with one (one shared coupon with limits far above the run, so every
/// coupon checkout reserves — and later confirms — a redemption in the referral service), in alternating rounds of the
/// same run; confirmed bookings/s and checkout p50/p99 of each kind, and their ratios.
/// <para>
/// Real parts as in <see cref="BookingLoad"/> (PostgreSQL and RabbitMQ as processes; booking, payment and referral as
/// their Program.cs compose them, in this process on loopback h2c; the catalog from memory). The coupon kind adds
/// referral's ReserveRedemption call before the charge, its row lock on the one coupon, and the confirmation that
/// booking.confirmed drives through referral's inbox.
/// </para>
/// </summary>
public static class CouponLoad
{
    public sealed record Options(int Seconds, int WarmupSeconds, int Concurrency, int Rounds, string WorkDir)
    {
        public static Options Parse(string[] args)
        {
            int seconds = 10, warmup = 20, concurrency = 32, rounds = 3;
            var work = Path.Combine(".mesh", "bench");
            for (var i = 0; i < args.Length; i += 2)
            {
                if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
                var value = args[i + 1];
                switch (args[i])
                {
                    case "--seconds": seconds = Positive(args[i], value); break;
                    case "--warmup": warmup = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "--concurrency": concurrency = Positive(args[i], value); break;
                    case "--rounds": rounds = Positive(args[i], value); break;
                    case "--work": work = value; break;
                    default: throw new ArgumentException($"unknown flag {args[i]}");
                }
            }
            return new Options(seconds, warmup, concurrency, rounds, work);
        }

        private static int Positive(string flag, string value) =>
            int.Parse(value, CultureInfo.InvariantCulture) is var n && n > 0 ? n : throw new ArgumentException($"{flag} must be at least 1");
    }

    private sealed class Tally
    {
        public int Confirmed;
        public double Seconds;
        public readonly List<double> CheckoutMs = [];
        public readonly Dictionary<string, int> Other = [];
    }

    public static async Task<int> RunAsync(Options options)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var servers = Path.Combine(Path.GetTempPath(), $"mesh-bench-coupon-{Environment.ProcessId}");
        var results = Path.GetFullPath(Path.Combine(options.WorkDir, "results"));
        Directory.CreateDirectory(results);
        Log($"starting PostgreSQL (durable: fsync on) and RabbitMQ under {servers}");
        var postgres = await PostgresServer.StartAsync(new PostgresOptions { DataDirectory = Path.Combine(servers, "postgres"), LogFile = Path.Combine(servers, "postgres.log") });
        RabbitMqServer? rabbit = null;
        try
        {
            rabbit = await RabbitMqServer.StartAsync(new RabbitMqOptions { DataDirectory = Path.Combine(servers, "rabbitmq"), LogFile = Path.Combine(servers, "rabbitmq.log") });
            foreach (var db in new[] { "bookingdb", "paymentdb", "referraldb" }) await postgres.CreateDatabaseAsync(db);
            var (plain, coupon) = await RunAsync(options, postgres, rabbit);
            var report = Report(options, plain, coupon);
            Console.WriteLine(report);
            var file = Path.Combine(results, $"coupon-{stamp}.txt");
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

    private static async Task<(Tally Plain, Tally Coupon)> RunAsync(Options options, PostgresServer postgres, RabbitMqServer rabbit)
    {
        var tokens = new BenchTokens();
        var catalog = new BenchCatalog();
        var pool = $";Maximum Pool Size={Math.Max(20, options.Concurrency + 10)};Timeout=60";
        var auth = new Dictionary<string, string?> { ["Mesh:Auth:Keys:0:Kid"] = BenchTokens.KeyId, ["Mesh:Auth:Keys:0:Pem"] = tokens.PublicKeyPem };
        Dictionary<string, string?> With(params (string Key, string Value)[] settings)
        {
            var all = new Dictionary<string, string?>(auth) { ["ConnectionStrings:messaging"] = rabbit.ConnectionString };
            foreach (var (key, value) in settings) all[key] = value;
            return all;
        }

        await using var catalogApp = BookingLoad.Build(null, [], b => b.Services.AddSingleton(catalog), app => app.MapGrpcService<BenchCatalog>());
        await catalogApp.StartAsync();
        var catalogAddress = catalogApp.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress.ToString();

        await using var paymentApp = BookingLoad.Build(typeof(Mesh.Payment.PaymentsApi), With(("ConnectionStrings:paymentdb", postgres.ConnectionStringFor("paymentdb") + pool)),
            b => { b.AddPayment(); b.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Payment.Subscriptions.RecurringChargeRequested.Queues); },
            app => app.MapGrpcService<Mesh.Payment.PaymentsApi>());
        await paymentApp.MigratePaymentDatabaseAsync();
        await paymentApp.StartAsync();
        var paymentAddress = paymentApp.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress.ToString();

        // Referral first (booking calls it); its own calls to booking (ValidateCoupon) are not part of the load.
        await using var referralApp = BookingLoad.Build(typeof(Mesh.Referral.ReferralsApi), With(
                ("ConnectionStrings:referraldb", postgres.ConnectionStringFor("referraldb") + pool), ("services:catalog:grpc:0", catalogAddress)),
            b => { b.AddReferral(); b.AddOutboxRelay("messaging"); }, app => app.MapGrpcService<Mesh.Referral.ReferralsApi>());
        await referralApp.MigrateReferralDatabaseAsync();
        await referralApp.StartAsync();
        var referralAddress = referralApp.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress.ToString();

        await using var bookingApp = BookingLoad.Build(typeof(Mesh.Booking.BookingApi), With(
                ("ConnectionStrings:bookingdb", postgres.ConnectionStringFor("bookingdb") + pool), ("services:catalog:grpc:0", catalogAddress),
                ("services:payment:grpc:0", paymentAddress), ("services:referral:grpc:0", referralAddress)),
            b => { b.AddBooking(); b.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Booking.Bookings.BookingMessages.PaymentTaskQueues); }, app => app.MapBooking());
        await bookingApp.MigrateBookingDatabaseAsync();
        await bookingApp.StartAsync();

        using var bookingChannel = Grpc.Net.Client.GrpcChannel.ForAddress(bookingApp.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress);
        using var paymentChannel = Grpc.Net.Client.GrpcChannel.ForAddress(paymentAddress);
        using var referralChannel = Grpc.Net.Client.GrpcChannel.ForAddress(referralAddress);
        var booking = new Mesh.Booking.V1.Booking.BookingClient(bookingChannel);
        var payments = new Payments.PaymentsClient(paymentChannel);
        var referral = new Referrals.ReferralsClient(referralChannel);

        // One coupon for the whole run: 10 % off, limits far above what the run can book.
        var now = DateTime.UtcNow;
        var coupon = await referral.CreateCouponAsync(new CreateCouponRequest
        {
            Coupon = new Coupon
            {
                Code = "BENCH" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant(), Kind = DiscountKind.Percent, PercentOff = 10,
                StartTime = Timestamp.FromDateTime(now.AddMinutes(-1)), EndTime = Timestamp.FromDateTime(now.AddDays(1)),
                TotalLimit = 1_000_000, PerUserLimit = 1_000_000,
            },
        }, new Metadata { { "authorization", $"Bearer {tokens.Mint("bench-staff", "admin")}" } });

        Log($"creating {options.Concurrency} customers with a saved card");
        var customers = await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async _ =>
        {
            var bearer = $"Bearer {tokens.Mint(Guid.NewGuid().ToString())}";
            var card = await payments.CreatePaymentMethodAsync(new CreatePaymentMethodRequest
            {
                CardNumber = Mesh.Payment.Provider.TestCards.Visa, ExpMonth = 12, ExpYear = DateTime.UtcNow.Year + 2, Cvc = "123",
            }, new Metadata { { "authorization", bearer } });
            return (Bearer: bearer, Card: card.Id);
        }));

        async Task<Tally> PhaseAsync(string code, double seconds)
        {
            var tally = new Tally { Seconds = seconds };
            var stopAt = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            var perClient = await Task.WhenAll(customers.Select(customer => Task.Run(async () =>
            {
                var mine = new Tally();
                while (Stopwatch.GetTimestamp() < stopAt)
                {
                    var (showId, seatId) = catalog.NextSeat();
                    string outcome;
                    double checkoutMs = 0;
                    try
                    {
                        var hold = await booking.CreateHoldAsync(new CreateHoldRequest { ShowId = showId, SeatIds = { seatId } }, new Metadata { { "authorization", customer.Bearer } });
                        var began = Stopwatch.GetTimestamp();
                        var record = await booking.CheckoutAsync(new CheckoutRequest { HoldId = hold.Id, PaymentMethodId = customer.Card, CouponCode = code },
                            new Metadata { { "authorization", customer.Bearer }, { "idempotency-key", Guid.NewGuid().ToString() } });
                        checkoutMs = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
                        outcome = record.Status == BookingStatus.Confirmed && (code.Length == 0 || record.DiscountMinor > 0) ? "ok" : $"{record.Status} (discount {record.DiscountMinor})";
                    }
                    catch (RpcException e)
                    {
                        outcome = $"error {e.StatusCode}";
                    }
                    if (Stopwatch.GetTimestamp() > stopAt) break; // ended after the phase: not counted
                    if (outcome == "ok") { mine.Confirmed++; mine.CheckoutMs.Add(checkoutMs); }
                    else mine.Other[outcome] = mine.Other.GetValueOrDefault(outcome) + 1;
                }
                return mine;
            })));
            foreach (var c in perClient)
            {
                tally.Confirmed += c.Confirmed;
                tally.CheckoutMs.AddRange(c.CheckoutMs);
                foreach (var (k, v) in c.Other) tally.Other[k] = tally.Other.GetValueOrDefault(k) + v;
            }
            return tally;
        }

        Log($"warm-up {options.WarmupSeconds}s (both kinds), then {options.Rounds} rounds of {options.Seconds}s without and {options.Seconds}s with the coupon, {options.Concurrency} clients");
        if (options.WarmupSeconds > 0)
        {
            await PhaseAsync("", options.WarmupSeconds / 2.0);
            await PhaseAsync(coupon.Code, options.WarmupSeconds / 2.0);
        }
        var plain = new Tally();
        var withCoupon = new Tally();
        for (var round = 0; round < options.Rounds; round++)
        {
            // Alternating, and the order swapped every round, so drift in the machine's load falls on both kinds alike.
            foreach (var code in round % 2 == 0 ? new[] { "", coupon.Code } : [coupon.Code, ""])
            {
                var phase = await PhaseAsync(code, options.Seconds);
                var into = code.Length == 0 ? plain : withCoupon;
                into.Confirmed += phase.Confirmed;
                into.Seconds += phase.Seconds;
                into.CheckoutMs.AddRange(phase.CheckoutMs);
                foreach (var (k, v) in phase.Other) into.Other[k] = into.Other.GetValueOrDefault(k) + v;
                Log($"round {round + 1} {(code.Length == 0 ? "without" : "with")} coupon: {phase.Confirmed / phase.Seconds:F1} bookings/s");
            }
        }
        plain.CheckoutMs.Sort();
        withCoupon.CheckoutMs.Sort();
        foreach (var app in new WebApplication[] { bookingApp, referralApp, paymentApp, catalogApp }) await app.StopAsync();
        return (plain, withCoupon);
    }

    private static string Report(Options options, Tally plain, Tally coupon)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"coupon-load  {DateTime.UtcNow:u}  {Environment.ProcessorCount} cores, load average now {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  hold → checkout (payment), {options.Concurrency} clients, {options.Rounds} rounds × ({options.Seconds}s without + {options.Seconds}s with a coupon) after {options.WarmupSeconds}s warm-up");
        foreach (var (name, t) in new[] { ("without coupon", plain), ("with coupon", coupon) })
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {name}");
            text.AppendLine(CultureInfo.InvariantCulture, $"    confirmed bookings/s   {t.Confirmed / t.Seconds:F1}   ({t.Confirmed} in {t.Seconds:F0}s)");
            text.AppendLine(CultureInfo.InvariantCulture, $"    checkout p50 / p99     {BookingLoad.Percentile(t.CheckoutMs, 0.50):F1} ms / {BookingLoad.Percentile(t.CheckoutMs, 0.99):F1} ms");
            text.AppendLine(CultureInfo.InvariantCulture, $"    not confirmed          {(t.Other.Count == 0 ? "none" : string.Join(", ", t.Other.Select(o => $"{o.Key}: {o.Value}")))}");
        }
        var rate = coupon.Confirmed / coupon.Seconds / (plain.Confirmed / plain.Seconds);
        var p99 = BookingLoad.Percentile(coupon.CheckoutMs, 0.99) / BookingLoad.Percentile(plain.CheckoutMs, 0.99);
        text.AppendLine(CultureInfo.InvariantCulture, $"  ratio with ÷ without: bookings/s {rate:F3}, checkout p99 {p99:F2}x");
        return text.ToString();
    }

    private static void Log(string message) => Console.Error.WriteLine($"[coupon-load] {message}");
}
