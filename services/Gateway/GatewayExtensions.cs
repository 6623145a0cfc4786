using System.Net;
using Mesh.Gateway;
using Mesh.Gateway.Docs;
using Mesh.Gateway.Errors;
using Mesh.Gateway.Health;
using Mesh.Gateway.Policy;
using Mesh.Gateway.Routing;
using Mesh.ServiceDefaults.Health;
using Mesh.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

// In the hosting namespace, like AddServiceDefaults, so Program.cs needs no using.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The edge as two calls: <c>builder.AddGateway(services => …)</c> and <c>app.MapGateway()</c>. It is YARP in front
/// of the services' own REST (their JSON transcoding), plus the edge's policies; this file is their table of contents.
/// </summary>
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
        var options = Bind<GatewayOptions>(builder, GatewayOptions.SectionName);
        var authOptions = Bind<EdgeAuthOptions>(builder, EdgeAuthOptions.SectionName);
        var rateOptions = Bind<RateLimitOptions>(builder, RateLimitOptions.SectionName);
        var routes = EdgeRouteTable.Build(services, authOptions);
        builder.Services.AddSingleton(services).AddSingleton(options).AddSingleton(authOptions).AddSingleton(rateOptions).AddSingleton(routes);
        builder.Services.AddSingleton(new TrustedProxies(options.TrustedProxies));
        builder.Services.TryAddSingleton(TimeProvider.System);

        ListenForRest(builder);
        if (options.InlineScheduling) // off by default: see GatewayOptions.InlineScheduling
            builder.Services.Configure<SocketTransportOptions>(o => o.UnsafePreferInlineScheduling = true);
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        // grpc.health.v1 is the edge's only gRPC service. Grpc.AspNetCore would also map a catch-all
        // "{service}/{method}" for unknown services, which makes every two-segment REST path (GET /v1/shelves) a
        // 404 instead of the 405 that the REST routes on it should give.
        builder.Services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.IgnoreUnknownServices = true);
        // Microsoft.Extensions.ServiceDiscovery: YARP's destinations, the OpenAPI and health fetches, the JWKS backchannel.
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());

        // Routing: YARP, its routes and clusters made from the contracts' google.api.http rules (Routing/).
        builder.Services.AddReverseProxy()
            .LoadFromMemory(ProxyConfiguration.Routes(routes), ProxyConfiguration.Clusters(services))
            .AddServiceDiscoveryDestinationResolver()
            .AddTransforms(context => ProxyTransforms.Apply(context, routes));
        // Unary routes' timeout (RouteConfig.TimeoutPolicy): 504 DEADLINE_EXCEEDED with the error body; YARP then
        // cancels the forwarded request, and the service sees its call cancelled.
        builder.Services.AddRequestTimeouts(timeouts => timeouts.AddPolicy(ProxyConfiguration.UnaryTimeoutPolicy, new RequestTimeoutPolicy
        {
            Timeout = options.RequestTimeout,
            TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            WriteTimeoutResponse = context => ForwarderErrorMiddleware.WriteTimeoutAsync(context, options),
        }));

        // Who may call: JwtBearer as every service validates tokens (ServiceDefaults/Auth), from Gateway:Auth.
        builder.AddTokenValidation(EdgeAuthOptions.SectionName);
        builder.Services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, BearerChallenge.Configure);
        builder.Services.AddAuthorization(EdgeAuthorization.AddPolicies);

        // How often: token buckets in the Redis every replica shares. Without a Redis connection string, no limits.
        if (builder.Configuration.GetConnectionString(rateOptions.Redis) is { Length: > 0 })
        {
            // Aspire.StackExchange.Redis: the multiplexer and its traces. The edge starts while Redis is down, and a
            // command fails at once instead of waiting in the backlog: the limiter then fails open. Its health check is
            // ours, Degraded rather than Aspire's Unhealthy, for the same reason.
            builder.AddRedisClient(rateOptions.Redis, settings => settings.DisableHealthChecks = true, o =>
            {
                o.AbortOnConnectFail = false;
                o.BacklogPolicy = BacklogPolicy.FailFast;
            });
            builder.Services.AddHealthChecks().AddCheck<RateLimitStoreHealthCheck>(RateLimitStoreHealthCheck.Name, HealthStatus.Degraded, [HealthExtensions.ReadyTag]);
            builder.Services.AddRateLimiter(_ => { });
            builder.Services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
                .Configure<IConnectionMultiplexer, ILoggerFactory, TimeProvider>((limiter, redis, logs, clock) =>
                    EdgeRateLimiter.Configure(limiter, rateOptions, redis, logs.CreateLogger(typeof(EdgeRateLimiter)), clock));
        }

        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .WithOrigins([.. options.CorsOrigins])
            .AllowAnyMethod()
            .WithHeaders("authorization", "content-type", "accept", RequestChecksMiddleware.IdempotencyKeyHeader, RequestIdMiddleware.Header,
                "x-requested-with", "x-signalr-user-agent") // what the SignalR browser client sends to the chat hub
            .WithExposedHeaders(RequestIdMiddleware.Header, "Retry-After", "WWW-Authenticate")));

        // What is there: one merged OpenAPI document, and /health with one check per fronted service.
        builder.Services.AddSingleton<MergedOpenApiDocument>();
        builder.Services.AddHttpClient(MergedOpenApiDocument.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(5));
        builder.Services.AddHttpClient(UpstreamHealthCheck.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(3));
        foreach (var service in services.Backends)
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration($"upstream:{service}",
                sp => new UpstreamHealthCheck(service, sp.GetRequiredService<IHttpClientFactory>()),
                HealthStatus.Degraded, [HealthExtensions.ReadyTag], TimeSpan.FromSeconds(5)));
        return builder;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        // An edge bug is a 500 with the error body, never a stack trace.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context => EdgeErrors.WriteAsync(context, StatusCodes.Status500InternalServerError, StatusCode.Internal,
                "Internal error at the edge; see its log."),
        });
        if (!app.Services.GetRequiredService<TrustedProxies>().IsEmpty)
        {
            // First: everything after it sees the real client address (see TrustedProxies).
            var forwarded = new ForwardedHeadersOptions();
            app.Services.GetRequiredService<TrustedProxies>().Apply(forwarded);
            app.UseForwardedHeaders(forwarded);
        }
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

        app.UseRouting();
        app.UseMiddleware<UnmatchedRequestMiddleware>();  // 404 / 405 with the error body
        app.UseAuthentication();
        app.UseAuthorization();                            // the route's policy: public or authenticated
        if (app.Services.GetService<IConnectionMultiplexer>() is not null) app.UseRateLimiter();
        app.UseRequestTimeouts();
        app.UseMiddleware<RequestChecksMiddleware>();      // Idempotency-Key, body size and media type

        app.MapGet("/openapi.json", async (MergedOpenApiDocument document, CancellationToken cancellationToken) =>
            Results.Text(await document.GetAsync(cancellationToken), "application/json; charset=utf-8"));
        app.MapHealthEndpoints();
        var routes = app.Services.GetRequiredService<EdgeRouteTable>();
        foreach (var rule in routes.NotExposed) app.Logger.LogWarning("Not exposed over REST (gRPC only): {Rule}.", rule);
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<ForwarderErrorMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        }).ConfigureEndpoints((endpoint, route) => endpoint.WithMetadata(routes[route.RouteId]));
        return app;
    }

    private static T Bind<T>(WebApplicationBuilder builder, string section) where T : new() =>
        builder.Configuration.GetSection(section).Get<T>() ?? new T();

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
