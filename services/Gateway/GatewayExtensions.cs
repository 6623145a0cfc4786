using System.Net;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Mesh.Gateway;
using Mesh.Gateway.Health;
using Mesh.Gateway.OpenApi;
using Mesh.Gateway.Policy;
using Mesh.Gateway.Transcoding;
using Mesh.ServiceDefaults.Health;
using Mesh.ServiceDefaults.Clients;
using Mesh.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>The edge as two calls: <c>builder.AddGateway(services => …)</c> and <c>app.MapGateway()</c>.</summary>
public static class GatewayExtensions
{
    /// <summary>Config key of the REST port (default 8080; 0 picks a free one). <c>BIND_ADDRESS</c> as in ServiceDefaults.</summary>
    public const string PortKey = "HTTP_PORT";

    /// <summary>Config key of an extra REST port speaking cleartext HTTP/2 (prior knowledge); unset = none.</summary>
    public const string Http2PortKey = "HTTP2_PORT";

    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder, Action<GatewayServices> configure)
    {
        var services = new GatewayServices();
        configure(services);
        builder.Services.AddSingleton(services);

        ListenForRest(builder);
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        // Microsoft.Extensions.ServiceDiscovery on every HttpClient: the backends' channels and the JWKS backchannel.
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());

        // One grpc-dotnet channel per backend over a discovered handler (BackendInvokers), Mesh:Resilience as for
        // every service client: deadline, retries from the contracts, a circuit breaker per backend.
        var clientOptions = builder.Configuration.GetSection(ServiceClientOptions.SectionName).Get<ServiceClientOptions>() ?? new ServiceClientOptions();
        builder.Services.AddSingleton(clientOptions);
        builder.Services.TryAddSingleton<ServiceCircuitBreakers>();
        foreach (var backend in services.Backends)
        {
            builder.Services.AddHttpClient(BackendInvokers.ClientName(backend))
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                {
                    EnableMultipleHttp2Connections = true, // past 100 concurrent streams on one connection
                    PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                    KeepAlivePingDelay = TimeSpan.FromSeconds(60),
                    KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
                    KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                })
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan); // the channel keeps its handler; discovery refreshes endpoints
            builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
                $"upstream:{backend}", sp => new UpstreamHealthCheck(backend, sp.GetRequiredService<IBackendInvokers>()),
                null, [HealthExtensions.ReadyTag], TimeSpan.FromSeconds(5)));
        }
        builder.Services.TryAddSingleton<IBackendInvokers, BackendInvokers>();

        var gatewayOptions = builder.Configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions();
        var authOptions = builder.Configuration.GetSection(EdgeAuthOptions.SectionName).Get<EdgeAuthOptions>() ?? new EdgeAuthOptions();
        var rateOptions = builder.Configuration.GetSection(RateLimitOptions.SectionName).Get<RateLimitOptions>() ?? new RateLimitOptions();
        builder.Services.AddSingleton(gatewayOptions);
        if (gatewayOptions.InlineScheduling) // see GatewayOptions.InlineScheduling: nothing on the edge blocks a thread
            builder.Services.Configure<SocketTransportOptions>(o => o.UnsafePreferInlineScheduling = true);
        builder.Services.AddSingleton(new TrustedProxies(gatewayOptions.TrustedProxies));
        builder.Services.AddSingleton(authOptions);
        builder.Services.AddSingleton(rateOptions);

        // Everything the JSON formatter may meet inside Any: the fronted contracts and google.rpc's error details.
        var typeRegistry = TypeRegistry.FromFiles(services.All.Select(s => s.Service.File)
            .Append(Google.Rpc.ErrorDetailsReflection.Descriptor).Append(Google.Rpc.StatusReflection.Descriptor).Distinct().ToArray());
        builder.Services.AddSingleton(sp => RouteTable.Build(services, sp.GetRequiredService<ILogger<RouteTable>>()));
        builder.Services.AddSingleton(new RequestBinder(new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(false).WithTypeRegistry(typeRegistry))));
        builder.Services.AddSingleton(new ResponseWriter(typeRegistry));
        builder.Services.AddSingleton(new ErrorWriter(typeRegistry));
        builder.Services.AddSingleton<TranscodingEndpoint>();

        // Edge policy.
        builder.Services.AddSingleton(TimeProvider.System);
        // The same validation every service uses (JwtBearer, ServiceDefaults/Auth) from Gateway:Auth: fixed keys, or the
        // users service's OpenID metadata by discovery. EdgeAuthentication runs it per routed request.
        builder.AddTokenValidation(EdgeAuthOptions.SectionName);
        builder.Services.AddSingleton<EdgeAuthentication>();
        if (builder.Configuration.GetConnectionString(rateOptions.Redis) is { Length: > 0 })
        {
            // Aspire.StackExchange.Redis: the multiplexer, its health check (readiness) and traces. The edge starts
            // even while Redis is down; the limiter fails open meanwhile.
            builder.AddRedisClient(rateOptions.Redis, configureOptions: o => o.AbortOnConnectFail = false);
            builder.Services.AddSingleton(sp => new RedisRateLimiter(sp.GetRequiredService<IConnectionMultiplexer>(), rateOptions.KeyPrefix, sp.GetRequiredService<ILogger<RedisRateLimiter>>()));
        }
        builder.Services.AddSingleton(sp => new EdgeRateLimit(sp.GetService<RedisRateLimiter>(), rateOptions));

        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .WithOrigins([.. gatewayOptions.CorsOrigins])
            .AllowAnyMethod()
            .WithHeaders("authorization", "content-type", "accept", CallMetadata.IdempotencyKeyHeader, RequestIdMiddleware.Header)
            .WithExposedHeaders(RequestIdMiddleware.Header, "Retry-After", "WWW-Authenticate")));

        builder.Services.AddSingleton(sp => new OpenApiDocument(services, sp.GetRequiredService<RouteTable>(), sp.GetRequiredService<EdgeAuthentication>(),
            builder.Configuration["Gateway:DescriptorSets"]));
        return builder;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseMiddleware<ForwardedClientMiddleware>(); // first: everything after it sees the real client address
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseCors();
        // Only /docs requests enter the Swagger UI middleware: REST calls skip its per-request work.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/docs"), docs => docs.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = "docs";
            ui.DocumentTitle = "Mesh REST API";
            ui.SwaggerEndpoint("/openapi.json", "Mesh REST API");
        }));
        app.MapGet("/openapi.json", (OpenApiDocument document) => Results.Text(document.Json, "application/json; charset=utf-8"));
        // Built once on the thread pool after start, not by the first /openapi.json request: with inline scheduling
        // that request would build it (reading descriptor files) on a socket thread.
        app.Lifetime.ApplicationStarted.Register(static state => ThreadPool.UnsafeQueueUserWorkItem(static s => ((OpenApiDocument)s!).Prepare(), state),
            app.Services.GetRequiredService<OpenApiDocument>());
        app.MapHealthEndpoints();
        var endpoint = app.Services.GetRequiredService<TranscodingEndpoint>();
        app.Map("/{**path}", endpoint.HandleAsync).WithOrder(int.MaxValue);
        return app;
    }

    /// <summary>One listener for REST, HTTP/1.1 and HTTP/2 (h2c by prior knowledge), unless Kestrel endpoints are configured.</summary>
    private static void ListenForRest(WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any()) return;
        var address = IPAddress.Parse(builder.Configuration["BIND_ADDRESS"] is { Length: > 0 } a ? a : "127.0.0.1");
        var port = builder.Configuration.GetValue(PortKey, 8080);
        // Cleartext HTTP/2 needs prior knowledge, which Kestrel offers only on an HTTP/2-only listener (no ALPN
        // without TLS): REST over h2c gets its own port when HTTP2_PORT is set (TLS termination in front gives
        // HTTP/2 on the main port in production).
        var http2Port = builder.Configuration.GetValue<int?>(Http2PortKey);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, port, o => o.Protocols = HttpProtocols.Http1AndHttp2);
            if (http2Port is { } p2) k.Listen(address, p2, o => o.Protocols = HttpProtocols.Http2);
        });
    }
}
