using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;
using Mesh.Benchmarks.Booking;
using Mesh.Catalog.V1;
using Mesh.ServiceDefaults.Hosting;
using Mesh.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks.Defaults;

/// <summary>
/// The two servers of <c>./mesh bench defaults</c> (run-defaults.sh), both serving <see cref="ShowsFromMemory"/>:
/// <list type="bullet">
/// <item><c>defaults-server --kind bare</c>: Grpc.AspNetCore with nothing added — a slim host, no logging providers,
/// Kestrel h2c on loopback, <c>AddGrpc</c> + <c>MapGrpcService</c>. The floor.</item>
/// <item><c>defaults-server --kind full --key-pem FILE</c>: a service as its Program.cs composes it —
/// <c>WebApplication.CreateBuilder</c>, <c>AddServiceDefaults()</c> (hosting, JSON console logs, Grpc.AspNetCore,
/// OpenTelemetry with OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set, health checks, service discovery),
/// <c>AddTokenValidation()</c> with the fixed key in <c>Mesh:Auth:Keys</c> (JwtBearer checks the bearer token of every
/// call), <c>MapGrpcService</c> and <c>MapDefaultEndpoints()</c>. Environment and log levels as deployed (Production,
/// the framework's defaults) unless the caller's environment says otherwise.</item>
/// <item><c>defaults-server --kind bare-telemetry|bare-auth|bare-both [--key-pem FILE]</c>: the bare server plus only the
/// two pieces the target keeps on — our telemetry (<c>ConfigureOpenTelemetry()</c>: OpenTelemetry's hosting package,
/// its ASP.NET Core, HttpClient, gRPC client and runtime instrumentations, the Production trace sampling, OTLP export),
/// our token validation (<c>AddTokenValidation()</c>: JwtBearer with the remembered-token shortcut, the authentication
/// and authorization middleware WebApplication adds for it, the bearer interceptor), or both. They say how much of the
/// budget those two spend before anything else of the defaults.</item>
/// </list>
/// Each prints "listening on http://127.0.0.1:PORT" on stderr when ready (stdout carries the full server's logs).
/// </summary>
public static class DefaultsServers
{
    public static async Task<int> RunAsync(string[] args)
    {
        var flags = Flags(args);
        var kind = flags.GetValueOrDefault("--kind") ?? throw new ArgumentException("--kind bare|full is required");
        string KeyPem() => File.ReadAllText(flags.GetValueOrDefault("--key-pem") ?? throw new ArgumentException($"--key-pem FILE is required for --kind {kind}"));
        await using var app = kind switch
        {
            "bare" => Bare(),
            "full" => Full(KeyPem()),
            "bare-telemetry" => Bare(telemetry: true),
            "bare-auth" => Bare(keyPem: KeyPem()),
            "bare-both" => Bare(telemetry: true, keyPem: KeyPem()),
            _ => throw new ArgumentException($"unknown --kind {kind} (bare, full, bare-telemetry, bare-auth, bare-both)"),
        };
        await app.StartAsync();
        var address = kind == "full"
            ? app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress.ToString().TrimEnd('/')
            : app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.Error.WriteLine($"defaults-server {kind} listening on {address}");
        await app.WaitForShutdownAsync();
        return 0;
    }

    private static WebApplication Bare(bool telemetry = false, string? keyPem = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        if (telemetry)
        {
            builder.ConfigureOpenTelemetry();
            // As every service runs (ConfigureServiceHosting): the framework's per-request Information logs off, or the
            // OTel log exporter ships two records a call and this measures logging (6 GB in 8 s, first try).
            foreach (var category in HostingExtensions.QuietCategories) builder.Logging.AddFilter(category, LogLevel.Warning);
        }
        if (keyPem is not null)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Mesh:Auth:Keys:0:Kid"] = BenchTokens.KeyId,
                ["Mesh:Auth:Keys:0:Pem"] = keyPem,
            });
            builder.AddTokenValidation();
        }
        var app = builder.Build();
        app.MapGrpcService<ShowsFromMemory>();
        return app;
    }

    private static WebApplication Full(string keyPem)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = "Mesh.Catalog", ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = "0",
            [ServiceEndpoints.HttpPortKey] = "0",
            ["Mesh:Auth:Keys:0:Kid"] = BenchTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = keyPem,
        });
        builder.Configuration.AddEnvironmentVariables();   // after the defaults above: Logging__LogLevel__… from the caller wins
        builder.AddServiceDefaults();
        builder.AddTokenValidation();
        var app = builder.Build();
        app.MapGrpcService<ShowsFromMemory>();
        app.MapDefaultEndpoints();
        return app;
    }

    internal static Dictionary<string, string> Flags(string[] args)
    {
        var flags = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i += 2)
            flags[args[i]] = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
        return flags;
    }
}

/// <summary>
/// <c>defaults-bodies --out DIR</c>: what h2load sends — get-show.bin (the gRPC frame: 5-byte prefix + GetShowRequest),
/// bearer.txt ("Bearer &lt;ES256 token&gt;", valid for a day) — and key.pem, the public key the full server trusts.
/// </summary>
public static class DefaultsBodies
{
    public static int Write(string[] args)
    {
        var dir = DefaultsServers.Flags(args).GetValueOrDefault("--out") ?? ".";
        Directory.CreateDirectory(dir);
        var payload = new GetShowRequest { Id = ShowsFromMemory.ShowId }.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        File.WriteAllBytes(Path.Combine(dir, "get-show.bin"), frame);
        var tokens = new BenchTokens();
        File.WriteAllText(Path.Combine(dir, "bearer.txt"), $"Bearer {tokens.Mint(Guid.NewGuid().ToString())}");
        File.WriteAllText(Path.Combine(dir, "key.pem"), tokens.PublicKeyPem);
        Console.WriteLine($"wrote get-show.bin, bearer.txt and key.pem to {dir}");
        return 0;
    }
}

/// <summary>
/// <c>otlp-sink</c>: an OTLP/HTTP receiver that accepts and drops everything (POST /v1/traces, /v1/metrics, /v1/logs →
/// 200 with an empty protobuf response), counting requests and bytes per signal (GET /stats). The full server exports
/// to it, so the exporters really serialize and send. Prints "otlp sink listening on URL" when ready.
/// </summary>
public static class OtlpSink
{
    public static async Task<int> RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1AndHttp2);
        });
        await using var app = builder.Build();
        var counts = new Dictionary<string, long[]> { ["traces"] = new long[2], ["metrics"] = new long[2], ["logs"] = new long[2] };
        app.MapPost("/v1/{signal}", async (string signal, HttpContext http) =>
        {
            long bytes = 0;
            var buffer = new byte[16384];
            int n;
            while ((n = await http.Request.Body.ReadAsync(buffer)) > 0) bytes += n;
            if (counts.TryGetValue(signal, out var c))
                lock (c) { c[0]++; c[1] += bytes; }
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapGet("/stats", () => string.Join(' ', counts.Select(c => { lock (c.Value) return $"{c.Key}={c.Value[0]}/{c.Value[1]}"; })));
        await app.StartAsync();
        Console.WriteLine($"otlp sink listening on {app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()}");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
