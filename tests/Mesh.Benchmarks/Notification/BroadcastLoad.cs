using System.Diagnostics;
using System.Globalization;
using Dapper;
using Mesh.Benchmarks.Booking;
using Mesh.ServiceDefaults.Hosting;
using Mesh.ServiceDefaults.Messaging;
using Mesh.Servers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RabbitMQ.Client;

namespace Mesh.Benchmarks.Notification;

/// <summary>
/// Issue #22's measurement: a "new show in your city" broadcast to N users (100,000 by default), as notifications per
/// second into the inbox (from the catalog.show_created publish to the last broadcast notification committed), and
/// the event → inbox latency of single-user events published during it (booking.confirmed every --interval ms, from
/// the publish to the commit of its notification: p50/p99). The notification service runs as its Program.cs composes
/// it (both consumers, the outbox relay for broadcast batches) except the timed email/SMS rounds; PostgreSQL (durable)
/// and RabbitMQ are Debian servers started by Mesh.Servers; driver and service share the machine.
/// </summary>
public static class BroadcastLoad
{
    public sealed record Options(int Users, int BatchSize, int IntervalMs, string WorkDir)
    {
        public static Options Parse(string[] args)
        {
            var o = new Options(100_000, 500, 20, ".mesh/bench");
            for (var i = 0; i < args.Length; i++)
            {
                o = args[i] switch
                {
                    "--users" => o with { Users = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--batch" => o with { BatchSize = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--interval" => o with { IntervalMs = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--work" => o with { WorkDir = args[++i] },
                    _ => throw new ArgumentException($"notification-broadcast: unknown argument {args[i]}"),
                };
            }
            return o;
        }
    }

    public static async Task<int> RunAsync(Options options)
    {
        var servers = Path.Combine(Path.GetTempPath(), $"mesh-bench-notification-{Environment.ProcessId}");
        Log($"starting PostgreSQL (durable) and RabbitMQ under {servers}");
        var postgres = await PostgresServer.StartAsync(new PostgresOptions { DataDirectory = Path.Combine(servers, "postgres"), LogFile = Path.Combine(servers, "postgres.log") });
        RabbitMqServer? rabbit = null;
        try
        {
            rabbit = await RabbitMqServer.StartAsync(new RabbitMqOptions { DataDirectory = Path.Combine(servers, "rabbitmq"), LogFile = Path.Combine(servers, "rabbitmq.log") });
            await postgres.CreateDatabaseAsync("notificationdb");
            var database = postgres.ConnectionStringFor("notificationdb");
            await using var app = await StartNotificationAsync(database, rabbit.ConnectionString, options);
            await using var db = NpgsqlDataSource.Create(database);
            var report = await MeasureAsync(db, rabbit.ConnectionString, options);
            Console.WriteLine(report);
            var results = Path.GetFullPath(Path.Combine(options.WorkDir, "results"));
            Directory.CreateDirectory(results);
            var file = Path.Combine(results, $"notification-broadcast-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.txt");
            await File.WriteAllTextAsync(file, report);
            Log($"written to {file}");
            await app.StopAsync();
            return 0;
        }
        finally
        {
            if (rabbit is not null) await rabbit.StopAsync();
            await postgres.StopAsync();
            try { Directory.Delete(servers, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task<WebApplication> StartNotificationAsync(string database, string broker, Options options)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(Mesh.Notification.NotificationApi).Assembly.GetName().Name, ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = "0",
            [ServiceEndpoints.HttpPortKey] = "0",
            [HostingExtensions.DrainTimeoutKey] = "00:00:01",
            ["ConnectionStrings:notificationdb"] = database + ";Maximum Pool Size=50;Timeout=60",
            ["ConnectionStrings:messaging"] = broker,
            ["Notification:RunWorkers"] = "false",
            ["Notification:BroadcastBatchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["Mesh:Outbox:PollInterval"] = "00:00:00.05",
            ["Mesh:Auth:Keys:0:Kid"] = BenchTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = new BenchTokens().PublicKeyPem,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        builder.AddNotification();
        builder.AddOutboxRelay("messaging", relay => relay.Queues = Mesh.Notification.Broadcasts.BroadcastBatch.Queues);
        var app = builder.Build();
        await app.MigrateNotificationDatabaseAsync();
        app.MapNotification();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return app;
    }

    private static async Task<string> MeasureAsync(NpgsqlDataSource db, string broker, Options options)
    {
        const string city = "bench-city";
        Log($"seeding {options.Users} users in {city}");
        await using (var connection = await db.OpenConnectionAsync())
            await connection.ExecuteAsync("""
                INSERT INTO preferences (user_id, home_city_id, update_time) SELECT gen_random_uuid(), @city, now() FROM generate_series(1, @n)
                """, new { city, n = options.Users }, commandTimeout: 300);

        var factory = new ConnectionFactory { Uri = new Uri(broker) };
        await using var amqp = await factory.CreateConnectionAsync();
        await using var channel = await amqp.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await WaitAsync(async () => { try { await channel.QueueDeclarePassiveAsync(Mesh.Notification.Workers.EventConsumer.Queue); return true; } catch (RabbitMQ.Client.Exceptions.OperationInterruptedException) { return false; } });

        async Task<DateTime> PublishAsync(OutboxMessage message)
        {
            var properties = new BasicProperties { MessageId = message.Id.ToString(), Type = message.Type, ContentType = message.ContentType, Persistent = true };
            var at = DateTime.UtcNow;
            await channel.BasicPublishAsync(MessagingNames.DefaultExchange, message.Type, mandatory: false, properties, message.Body);
            return at;
        }

        var showId = Guid.NewGuid();
        var show = OutboxMessage.Json("catalog.show_created", new { ShowId = showId, EventId = Guid.NewGuid(), VenueId = Guid.NewGuid(), CityId = city, StartTime = DateTime.UtcNow.AddDays(7), EventTitle = "Bench" });
        Log("broadcast published; single events every " + options.IntervalMs + " ms until it completes");
        var started = await PublishAsync(show);
        var singles = new List<(Guid User, DateTime Published)>();
        long broadcastDone;
        var clock = Stopwatch.StartNew();
        do
        {
            var user = Guid.NewGuid();
            var confirmed = OutboxMessage.Json("booking.confirmed", new
            {
                BookingId = Guid.NewGuid(), UserId = user.ToString(), HoldId = Guid.NewGuid(), ShowId = Guid.NewGuid(), ServiceId = (Guid?)null,
                StartsAt = DateTime.UtcNow.AddHours(2), Amount = 5000L, Currency = "EUR", PaymentId = Guid.NewGuid(), Tickets = 2,
            });
            singles.Add((user, await PublishAsync(confirmed)));
            await Task.Delay(options.IntervalMs);
            await using var connection = await db.OpenConnectionAsync();
            broadcastDone = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM notifications WHERE kind = 'new_show_in_city'");
            if (clock.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException($"broadcast incomplete after 30 min: {broadcastDone}");
        } while (broadcastDone < options.Users);

        await WaitAsync(async () =>
        {
            await using var connection = await db.OpenConnectionAsync();
            return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM notifications WHERE kind = 'booking_confirmed'") == singles.Count;
        });
        await using var read = await db.OpenConnectionAsync();
        var last = await read.ExecuteScalarAsync<DateTime>("SELECT max(create_time) FROM notifications WHERE kind = 'new_show_in_city'");
        var first = await read.ExecuteScalarAsync<DateTime>("SELECT min(create_time) FROM notifications WHERE kind = 'new_show_in_city'");
        var created = (await read.QueryAsync<(Guid UserId, DateTime CreateTime)>("SELECT user_id, create_time FROM notifications WHERE kind = 'booking_confirmed'"))
            .ToDictionary(r => r.UserId, r => DateTime.SpecifyKind(r.CreateTime, DateTimeKind.Utc));
        var latencies = singles.Select(s => (created[s.User] - s.Published).TotalMilliseconds).Order().ToArray();
        var during = singles.Where(s => s.Published <= DateTime.SpecifyKind(last, DateTimeKind.Utc)).Select(s => (created[s.User] - s.Published).TotalMilliseconds).Order().ToArray();
        var total = (DateTime.SpecifyKind(last, DateTimeKind.Utc) - started).TotalSeconds;
        var inserting = (last - first).TotalSeconds;
        static string P(double[] xs, double q) => xs.Length == 0 ? "n/a" : xs[Math.Min(xs.Length - 1, (int)Math.Ceiling(q * xs.Length) - 1)].ToString("0.0", CultureInfo.InvariantCulture);
        return string.Join('\n',
            $"notification broadcast: {options.Users} users, batches of {options.BatchSize}, single events every {options.IntervalMs} ms",
            $"machine: {Environment.ProcessorCount} cores, load average before/after in the run log; PostgreSQL durable, RabbitMQ persistent messages",
            $"broadcast: {options.Users} notifications in {total:0.00} s from publish to last commit = {options.Users / total:0} notifications/s (inserting alone: {inserting:0.00} s = {options.Users / inserting:0}/s)",
            $"single events published while the broadcast ran: {during.Length}; event -> inbox latency p50 {P(during, 0.5)} ms, p99 {P(during, 0.99)} ms, max {P(during, 1.0)} ms",
            $"all single events: {latencies.Length}; p50 {P(latencies, 0.5)} ms, p99 {P(latencies, 0.99)} ms",
            "");
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var guard = Stopwatch.StartNew();
        while (!await condition())
        {
            if (guard.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException("the notification service did not get there in 5 minutes");
            await Task.Delay(50);
        }
    }

    private static void Log(string message) => Console.Error.WriteLine($"[notification-broadcast] {message}");
}
