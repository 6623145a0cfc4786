using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using Mesh.Benchmarks.Booking;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Servers;
using Mesh.Support.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SupportClient = Mesh.Support.V1.Support.SupportClient;

namespace Mesh.Benchmarks.Support;

/// <summary>
/// Issue #21's measurement: chat messages per second through ONE support replica with N open conversations (each a
/// ticket with its customer and its assigned agent both connected by a Chat stream), and the delivery latency customer
/// → agent (from the customer's send to the agent's receipt of the stored message, p50/p99). Closed loop: every
/// customer sends its next message as soon as the previous one is acknowledged (stored and committed), so N messages
/// are always in flight. Support runs as its Program.cs composes it (store, LISTEN/NOTIFY fan-out, SLA watch, token
/// validation) except the outbox relay (no RabbitMQ: the outbox rows are still written in each message's
/// transaction); PostgreSQL is a durable Debian server started by Mesh.Servers; driver and service share the machine.
/// </summary>
public static class ChatLoad
{
    public sealed record Options(int Conversations, int Agents, int Seconds, int Warmup, string WorkDir)
    {
        public static Options Parse(string[] args)
        {
            var o = new Options(1000, 50, 20, 10, ".mesh/bench");
            for (var i = 0; i < args.Length; i++)
            {
                o = args[i] switch
                {
                    "--conversations" => o with { Conversations = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--agents" => o with { Agents = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--seconds" => o with { Seconds = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--warmup" => o with { Warmup = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                    "--work" => o with { WorkDir = args[++i] },
                    _ => throw new ArgumentException($"support-chat: unknown argument {args[i]}"),
                };
            }
            return o;
        }
    }

    public static async Task<int> RunAsync(Options options)
    {
        var servers = Path.Combine(Path.GetTempPath(), $"mesh-bench-support-{Environment.ProcessId}");
        Log($"starting PostgreSQL (durable: fsync on) under {servers}");
        var postgres = await PostgresServer.StartAsync(new PostgresOptions { DataDirectory = Path.Combine(servers, "postgres"), LogFile = Path.Combine(servers, "postgres.log") });
        try
        {
            await postgres.CreateDatabaseAsync("supportdb");
            var tokens = new BenchTokens();
            await using var app = await StartSupportAsync(postgres.ConnectionStringFor("supportdb"), tokens);
            var address = app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;
            // Many streams: more than one HTTP/2 connection (Kestrel allows 100 streams on each).
            using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
            });
            var client = new SupportClient(channel);
            var report = await MeasureAsync(client, tokens, options);
            Console.WriteLine(report);
            var results = Path.GetFullPath(Path.Combine(options.WorkDir, "results"));
            Directory.CreateDirectory(results);
            var file = Path.Combine(results, $"support-chat-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.txt");
            await File.WriteAllTextAsync(file, report);
            Log($"written to {file}");
            await app.StopAsync();
            return 0;
        }
        finally
        {
            await postgres.StopAsync();
            try { Directory.Delete(servers, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task<WebApplication> StartSupportAsync(string connectionString, BenchTokens tokens)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(Mesh.Support.SupportApi).Assembly.GetName().Name, ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = "0",
            [ServiceEndpoints.HttpPortKey] = "0",
            [HostingExtensions.DrainTimeoutKey] = "00:00:01",
            ["ConnectionStrings:supportdb"] = connectionString + ";Maximum Pool Size=100;Timeout=60",
            ["Mesh:Auth:Keys:0:Kid"] = BenchTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = tokens.PublicKeyPem,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        builder.AddSupport();
        var app = builder.Build();
        await app.MigrateSupportDatabaseAsync();
        app.MapGrpcService<Mesh.Support.SupportApi>();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return app;
    }

    private static async Task<string> MeasureAsync(SupportClient client, BenchTokens tokens, Options options)
    {
        Log($"opening {options.Conversations} tickets for {options.Agents} agents");
        var agents = Enumerable.Range(0, options.Agents).Select(_ => Guid.NewGuid()).ToArray();
        Metadata As(Guid id, string role) => new() { { "authorization", $"Bearer {tokens.Mint(id.ToString(), role)}" } };
        foreach (var agent in agents) await client.ListTicketsAsync(new ListTicketsRequest(), As(agent, "support_agent")); // known to support
        var conversations = new List<(Guid Customer, Guid Agent, string Ticket)>();
        for (var i = 0; i < options.Conversations; i++)
        {
            var customer = Guid.NewGuid();
            var agent = agents[i % agents.Length];
            var ticket = await client.CreateTicketAsync(new CreateTicketRequest { Subject = "Bench", Body = "Chat load.", Category = "other" }, As(customer, "customer"));
            await client.AssignTicketAsync(new AssignTicketRequest { Id = ticket.Id, AgentId = agent.ToString() }, As(agent, "support_agent"));
            conversations.Add((customer, agent, ticket.Id));
        }

        Log($"connecting {options.Conversations * 2} chat streams");
        var clock = Stopwatch.StartNew();
        var latencies = new ConcurrentBag<double>();
        long measuring = 0; // 1 while the window is open
        long delivered = 0, acked = 0;
        using var stop = new CancellationTokenSource();
        var streams = new List<Task>();
        var ready = new List<Task>();
        foreach (var (customer, agent, ticket) in conversations)
        {
            var agentCall = client.Chat(As(agent, "support_agent"), cancellationToken: stop.Token);
            await agentCall.RequestStream.WriteAsync(new ChatEvent { Join = new ChatEvent.Types.Join { TicketId = ticket } });
            streams.Add(ReceiveAsync(agentCall, clock, latencies, () => Interlocked.Read(ref measuring) == 1, () => Interlocked.Increment(ref delivered)));
            var customerCall = client.Chat(As(customer, "customer"), cancellationToken: stop.Token);
            await customerCall.RequestStream.WriteAsync(new ChatEvent { Join = new ChatEvent.Types.Join { TicketId = ticket } });
            streams.Add(SendLoopAsync(customerCall, clock, () => { if (Interlocked.Read(ref measuring) == 1) Interlocked.Increment(ref acked); }, stop.Token));
        }

        Log($"warm-up {options.Warmup} s, then measuring {options.Seconds} s");
        await Task.Delay(TimeSpan.FromSeconds(options.Warmup));
        Interlocked.Exchange(ref measuring, 1);
        var started = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(options.Seconds));
        Interlocked.Exchange(ref measuring, 0);
        var window = (clock.Elapsed - started).TotalSeconds;
        var ackedInWindow = Interlocked.Read(ref acked);
        var deliveredInWindow = Interlocked.Read(ref delivered);
        await stop.CancelAsync();
        try { await Task.WhenAll(streams); } catch (Exception e) when (e is RpcException or OperationCanceledException) { }

        var sorted = latencies.Order().ToList();
        double P(double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        return string.Join('\n',
            $"support chat through one replica: {options.Conversations} open conversations ({options.Conversations * 2} streams, {options.Agents} agents), {window:0.0} s measured after {options.Warmup} s warm-up",
            $"  messages stored and acknowledged: {ackedInWindow / window:0} /s",
            $"  messages delivered to agents:     {deliveredInWindow / window:0} /s",
            $"  delivery customer -> agent (ms):  p50 {P(0.50):0.0}  p90 {P(0.90):0.0}  p99 {P(0.99):0.0}  max {P(1.0):0.0}  (n = {sorted.Count})",
            $"  machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[..3].Aggregate((a, b) => a + " " + b)}");
    }

    /// <summary>The customer: send, wait for the ack (the message is stored), send the next. The body carries the send time.</summary>
    private static async Task SendLoopAsync(AsyncDuplexStreamingCall<ChatEvent, ChatEvent> call, Stopwatch clock, Action onAck, CancellationToken cancellationToken)
    {
        try
        {
            for (var n = 1; !cancellationToken.IsCancellationRequested; n++)
            {
                var id = n.ToString(CultureInfo.InvariantCulture);
                await call.RequestStream.WriteAsync(new ChatEvent { Message = new TicketMessage { ClientMessageId = id, Body = $"t={clock.Elapsed.Ticks}" } }, cancellationToken);
                while (await call.ResponseStream.MoveNext(cancellationToken))
                    if (call.ResponseStream.Current.Ack is { } ack && ack.ClientMessageId == id) break;
                onAck();
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException) { }
    }

    /// <summary>The agent: every message received, the time since its customer sent it.</summary>
    private static async Task ReceiveAsync(AsyncDuplexStreamingCall<ChatEvent, ChatEvent> call, Stopwatch clock, ConcurrentBag<double> latencies, Func<bool> measuring, Action onDelivered)
    {
        try
        {
            await foreach (var e in call.ResponseStream.ReadAllAsync())
            {
                if (e.Message is not { } m || !m.Body.StartsWith("t=", StringComparison.Ordinal)) continue;
                if (!measuring()) continue;
                latencies.Add(TimeSpan.FromTicks(clock.Elapsed.Ticks - long.Parse(m.Body.AsSpan(2), CultureInfo.InvariantCulture)).TotalMilliseconds);
                onDelivered();
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException) { }
    }

    private static void Log(string message) => Console.Error.WriteLine($"[support-chat] {message}");
}
