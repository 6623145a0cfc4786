using Mesh.Grpc.Client;
using Mesh.ServiceDefaults.Discovery;
using Mesh.ServiceDefaults.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

// In the DI namespace (as Grpc.Net.ClientFactory's AddGrpcClient) so Program.cs needs no extra using.
namespace Microsoft.Extensions.DependencyInjection;

public static class GrpcClientExtensions
{
    /// <summary>
    /// Registers a generated gRPC client for the logical service <paramref name="service"/>: endpoints from
    /// <c>services__{service}__grpc__N</c> (then <c>__http__</c>, then DNS), round-robin with ejection, and the
    /// resilience policies of <c>Mesh:Resilience</c>, adjusted for this client by <paramref name="configure"/>.
    /// Inject <typeparamref name="TClient"/> anywhere; all clients of a service share one channel.
    /// </summary>
    public static IServiceCollection AddGrpcClient<TClient>(this IServiceCollection services, string service,
        Action<GrpcResilienceOptions>? configure = null) where TClient : ClientBase
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        services.AddServiceDiscovery();
        // Every client starts from Mesh:Resilience, then its own adjustments.
        services.AddOptions<GrpcResilienceOptions>(service).Configure<IConfiguration>((options, configuration) =>
            configuration.GetSection(GrpcResilienceOptions.SectionName).Bind(options));
        if (configure is not null) services.Configure(service, configure);
        services.AddTransient(sp => CreateClient<TClient>(sp.GetRequiredService<ServiceChannels>().Get(service).Invoker));
        return services;
    }

    /// <summary>
    /// The discovery machinery (one channel per logical service name, from configuration or DNS) without
    /// any client yet: what a process that resolves services dynamically (the REST edge) needs even when
    /// it fronts none. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddServiceDiscovery(this IServiceCollection services)
    {
        services.AddOptions();
        services.AddOptions<DiscoveryOptions>().BindConfiguration(DiscoveryOptions.SectionName);
        services.TryAddSingleton<ServiceChannels>();
        return services;
    }

    /// <inheritdoc cref="AddGrpcClient{TClient}(IServiceCollection, string, Action{GrpcResilienceOptions}?)"/>
    public static IHostApplicationBuilder AddGrpcClient<TClient>(this IHostApplicationBuilder builder, string service,
        Action<GrpcResilienceOptions>? configure = null) where TClient : ClientBase
    {
        builder.Services.AddGrpcClient<TClient>(service, configure);
        return builder;
    }

    /// <summary>Settings of the HTTP/2 channel of one service (message sizes, compression, connect timeout…).</summary>
    public static IServiceCollection ConfigureGrpcChannel(this IServiceCollection services, string service, Action<GrpcChannelOptions> configure) =>
        services.Configure(service, configure);

    private static TClient CreateClient<TClient>(CallInvoker invoker) where TClient : ClientBase =>
        (TClient)(Activator.CreateInstance(typeof(TClient), invoker)
                  ?? throw new InvalidOperationException($"{typeof(TClient)} has no constructor taking a CallInvoker."));
}
