using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Mesh.ServiceDefaults.Hosting;

public static class HostingExtensions
{
    /// <summary>Config key of how long in-flight requests may take to finish on shutdown (default 30 s).</summary>
    public const string DrainTimeoutKey = "Mesh:Hosting:DrainTimeout";

    /// <summary>Config key of how long a stopping service keeps serving while not ready (default 0; set it in Kubernetes).</summary>
    public const string ShutdownDelayKey = "Mesh:Hosting:ShutdownDelay";

    /// <summary>Framework categories that log every request or command at Information (Warning unless configured).</summary>
    public static readonly IReadOnlyList<string> QuietCategories = ["Microsoft.AspNetCore", "System.Net.Http.HttpClient", "Grpc", "Npgsql"];

    /// <summary>The `grpc` and `http` endpoints, graceful shutdown, and JSON console logs carrying trace ids.</summary>
    public static IHostApplicationBuilder ConfigureServiceHosting(this IHostApplicationBuilder builder)
    {
        var endpoints = new ServiceEndpoints(builder.Configuration);
        builder.Services.AddSingleton(endpoints);
        builder.Services.Configure<KestrelServerOptions>(endpoints.Listen);

        var drainTimeout = ReadTimeSpan(builder, DrainTimeoutKey, TimeSpan.FromSeconds(30));
        var shutdownDelay = ReadTimeSpan(builder, ShutdownDelayKey, TimeSpan.Zero);
        // The host's stop budget covers the not-ready delay and the drain.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownDelay + drainTimeout);
        builder.Services.AddSingleton<IHostedService>(sp =>
            new ShutdownDrain(shutdownDelay, sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<ShutdownDrain>>()));

        // Per-request Information logs of ASP.NET Core and HttpClient cost more CPU than a whole gRPC call (measured,
        // docs/performance.md §6) and say what traces say better: Warning unless configuration names a level.
        foreach (var category in QuietCategories)
            if (builder.Configuration[$"Logging:LogLevel:{category}"] is null)
                builder.Logging.AddFilter(category, LogLevel.Warning);

        // One JSON object per line; scopes carry TraceId/SpanId so a log line can be found from a trace.
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        return builder;
    }

    private static TimeSpan ReadTimeSpan(IHostApplicationBuilder builder, string key, TimeSpan fallback)
    {
        var text = builder.Configuration[key];
        if (string.IsNullOrEmpty(text)) return fallback;
        return TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.Zero
            ? value
            : throw new InvalidOperationException($"{key}='{text}' is not a time span such as 00:00:30.");
    }
}
