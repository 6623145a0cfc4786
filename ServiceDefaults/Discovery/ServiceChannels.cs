using System.Collections.Concurrent;
using Mesh.Grpc.Client;
using Mesh.ServiceDefaults.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Discovery;

/// <summary>
/// One <see cref="ServiceChannel"/> per logical service name, created on first use and shared by every client of
/// that service (a channel is a connection pool: one per service, not one per call). Disposed with the host.
/// </summary>
public sealed class ServiceChannels : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ServiceChannel>> _channels = new(StringComparer.Ordinal);
    private readonly IConfiguration _configuration;
    private readonly IOptionsMonitor<GrpcResilienceOptions> _resilience;
    private readonly IOptionsMonitor<GrpcChannelOptions> _channelOptions;
    private readonly DiscoveryOptions _discovery;
    private readonly ILoggerFactory _loggerFactory;

    public ServiceChannels(IConfiguration configuration, IOptionsMonitor<GrpcResilienceOptions> resilience,
        IOptionsMonitor<GrpcChannelOptions> channelOptions, IOptions<DiscoveryOptions> discovery, ILoggerFactory loggerFactory)
    {
        _configuration = configuration;
        _resilience = resilience;
        _channelOptions = channelOptions;
        _discovery = discovery.Value;
        _loggerFactory = loggerFactory;
    }

    public ServiceChannel Get(string service) =>
        _channels.GetOrAdd(service, name => new Lazy<ServiceChannel>(() => Create(name))).Value;

    private ServiceChannel Create(string service)
    {
        var resilience = _resilience.Get(service);
        var resolver = new ServiceEndpointResolver(_configuration, _discovery);
        // Start from the configured addresses at once; DNS expansion replaces them as soon as it answers.
        var picker = new ServiceEndpointPicker(resolver.GetConfigured(service), resilience.CircuitBreaker, resilience.TimeProvider,
            ct => resolver.ResolveAsync(service, ct), _discovery);
        var options = _channelOptions.Get(service);
        options.LoggerFactory ??= _loggerFactory;
        var channel = GrpcChannel.ForPicker(picker, options);
        var interceptor = new ResilienceInterceptor(resilience, new RetryBudget(resilience.RetryBudget, resilience.TimeProvider));
        return new ServiceChannel(service, picker, channel, interceptor);
    }

    public void Dispose()
    {
        foreach (var lazy in _channels.Values)
            if (lazy.IsValueCreated) lazy.Value.Dispose();
    }
}
