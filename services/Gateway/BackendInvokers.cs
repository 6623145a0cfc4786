using System.Collections.Concurrent;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using Mesh.Gateway.Transcoding;
using Mesh.ServiceDefaults.Clients;

namespace Mesh.Gateway;

/// <summary>
/// One grpc-dotnet <see cref="GrpcChannel"/> per backend name, created on first use and disposed with the host.
/// Its address is <c>http://_grpc.{backend}</c>; the HTTP handler comes from <see cref="IHttpMessageHandlerFactory"/>
/// (named client <see cref="ClientName"/>) so Microsoft.Extensions.ServiceDiscovery resolves
/// <c>services:{backend}:grpc:N</c> and spreads calls over the replicas. Retries are grpc-dotnet's own, only for the
/// methods the contracts mark NO_SIDE_EFFECTS or IDEMPOTENT (<see cref="RetryServiceConfig"/>); every unary call
/// passes the backend's circuit breaker (<see cref="ServiceCircuitBreakers"/>, outside the retries). Deadlines and
/// cancellation come with each call's options (<see cref="TranscodingEndpoint"/>).
/// </summary>
public sealed class BackendInvokers : IBackendInvokers, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Backend>> _backends = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceConfig> _serviceConfigs;
    private readonly IHttpMessageHandlerFactory _handlers;
    private readonly ServiceCircuitBreakers _breakers;
    private readonly ServiceClientOptions _options;
    private readonly ILoggerFactory _loggerFactory;

    public BackendInvokers(GatewayServices services, IHttpMessageHandlerFactory handlers, ServiceCircuitBreakers breakers,
        ServiceClientOptions options, ILoggerFactory loggerFactory)
    {
        _handlers = handlers;
        _breakers = breakers;
        _options = options;
        _loggerFactory = loggerFactory;
        // Every contract a backend serves contributes its retry policies to that backend's one channel.
        _serviceConfigs = services.Backends.ToDictionary(b => b, b =>
        {
            var config = new ServiceConfig();
            foreach (var (service, _) in services.All.Where(s => s.Backend == b))
            {
                var forService = RetryServiceConfig.For(service, options);
                config.RetryThrottling = forService.RetryThrottling;
                foreach (var method in forService.MethodConfigs) config.MethodConfigs.Add(method);
            }
            return config;
        }, StringComparer.Ordinal);
    }

    /// <summary>The IHttpClientFactory name of a backend's handler (service discovery is added to every client).</summary>
    public static string ClientName(string backend) => $"gateway-backend:{backend}";

    public CallInvoker Get(string backend) => _backends.GetOrAdd(backend, name => new Lazy<Backend>(() => Create(name))).Value.Invoker;

    private Backend Create(string backend)
    {
        if (!_serviceConfigs.TryGetValue(backend, out var serviceConfig))
            throw new InvalidOperationException($"'{backend}' is not a backend of the gateway (GatewayServices).");
        var channel = GrpcChannel.ForAddress(new Uri($"http://_grpc.{backend}"), new GrpcChannelOptions
        {
            HttpHandler = _handlers.CreateHandler(ClientName(backend)),
            DisposeHttpClient = false, // the factory owns the handler
            ServiceConfig = serviceConfig,
            LoggerFactory = _loggerFactory,
        });
        var breaker = _breakers.Get(backend, _options.CircuitBreaker);
        return new Backend(channel, channel.CreateCallInvoker().Intercept(new CircuitBreakerInterceptor(breaker)));
    }

    public void Dispose()
    {
        foreach (var backend in _backends.Values)
            if (backend.IsValueCreated) backend.Value.Channel.Dispose();
    }

    private sealed record Backend(GrpcChannel Channel, CallInvoker Invoker);
}
