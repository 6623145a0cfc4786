using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Mesh.Analytics.V1;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Booking.Tests.Bookings;

/// <summary>What booking logged at warning level and above, for the tests that check a fail-open decision was logged.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
        }
    }
}

/// <summary>Booking configured with an analytics service that is not running (its port refuses connections).</summary>
public sealed class AnalyticsDownFixture(TestServers servers) : CheckoutFixture(servers)
{
    public CapturedLogs Logs { get; } = new();

    protected override Task ConfigureBookingAsync(WebApplicationBuilder builder)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();   // nobody listens there any more: analytics is down
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["services:analytics:grpc:0"] = $"http://127.0.0.1:{port}" });
        builder.Logging.AddProvider(Logs);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A test double of analytics' CheckRisk, as booking uses it: BLOCK for the users and actions a test names, an answer
/// slower than booking's deadline for the users a test names, ALLOW otherwise. (The real rules are tested in
/// Mesh.Analytics.Tests; here only booking's side of the call is.)
/// </summary>
public sealed class ScriptedAnalytics : Mesh.Analytics.V1.Analytics.AnalyticsBase
{
    public ConcurrentDictionary<(string User, RiskAction Action), string> Blocked { get; } = new();
    public ConcurrentDictionary<string, bool> Slow { get; } = new();
    public ConcurrentQueue<CheckRiskRequest> Calls { get; } = new();

    public override async Task<CheckRiskResponse> CheckRisk(CheckRiskRequest request, ServerCallContext context)
    {
        Calls.Enqueue(request);
        if (Slow.ContainsKey(request.UserId)) await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);   // far beyond booking's deadline
        return Blocked.TryGetValue((request.UserId, request.Action), out var reason)
            ? new CheckRiskResponse { Decision = RiskDecision.Block, Reasons = { reason }, CaseId = Guid.NewGuid().ToString() }
            : new CheckRiskResponse { Decision = RiskDecision.Allow };
    }
}

/// <summary>Booking with <see cref="ScriptedAnalytics"/> as its analytics service.</summary>
public sealed class ScriptedAnalyticsFixture(TestServers servers) : CheckoutFixture(servers)
{
    private WebApplication? _analytics;

    public static readonly TimeSpan RiskCheckTimeout = TimeSpan.FromSeconds(2);

    public ScriptedAnalytics Analytics { get; } = new();
    public CapturedLogs Logs { get; } = new();

    protected override async Task ConfigureBookingAsync(WebApplicationBuilder builder)
    {
        var analyticsBuilder = InProcessService.CreateBuilder(null, []);
        analyticsBuilder.AddServiceDefaults();
        analyticsBuilder.Services.AddSingleton(Analytics);
        _analytics = analyticsBuilder.Build();
        _analytics.MapGrpcService<ScriptedAnalytics>();
        await _analytics.StartAsync(TestContext.Current.CancellationToken);
        var address = _analytics.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["services:analytics:grpc:0"] = address.ToString(),
            // Generous for a shared test machine (a cold first call), still far below the slow answer's delay.
            ["Booking:RiskCheckTimeout"] = RiskCheckTimeout.ToString(),
        });
        builder.Logging.AddProvider(Logs);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_analytics is not null) { await _analytics.StopAsync(CancellationToken.None); await _analytics.DisposeAsync(); }
    }
}
