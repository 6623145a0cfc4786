using Xunit;
using System.Net;
using Mesh.Grpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Tests.Server.Support;

/// <summary>A real Kestrel server on 127.0.0.1:0 (h2c by default) serving <see cref="TestService"/>.</summary>
public sealed class GrpcTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcTestServer(WebApplication app, ServiceProbe probe, CapturingLoggerProvider logs, Uri address)
    {
        _app = app;
        Probe = probe;
        Logs = logs;
        Address = address;
        Client = RawGrpc.CreateClient(address);
    }

    public ServiceProbe Probe { get; }
    public CapturingLoggerProvider Logs { get; }
    public Uri Address { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<GrpcTestServer> StartAsync(
        Action<GrpcServiceOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        HttpProtocols protocols = HttpProtocols.Http2,
        TimeSpan? shutdownTimeout = null,
        ServiceProbe? probe = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = protocols));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(30));

        probe ??= new ServiceProbe();
        builder.Services.AddSingleton(probe);
        builder.Services.AddGrpc(configure);
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapGrpcService<TestService>();
        await app.StartAsync(TestContext.Current.CancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new GrpcTestServer(app, probe, logs, new Uri(address));
    }

    /// <summary>Stops the host (Kestrel drains in-flight requests up to HostOptions.ShutdownTimeout).</summary>
    public Task StopAsync() => _app.StopAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>Keeps log entries so tests can check what the server logged.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public List<(LogLevel Level, string Category, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void Dispose() { }

    public List<(LogLevel Level, string Category, string Message, Exception? Exception)> Snapshot()
    {
        lock (Entries) return Entries.ToList();
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner.Entries) owner.Entries.Add((logLevel, category, formatter(state, exception), exception));
        }
    }
}
