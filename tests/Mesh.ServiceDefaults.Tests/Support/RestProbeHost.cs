using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.ServiceDefaults.Tests.Support;

/// <summary>
/// One service with <see cref="RestProbeService"/> for a test class, its REST routes called on its http endpoint as
/// the edge calls them. Kestrel's body limit is small so a test can exceed it.
/// </summary>
public sealed class RestProbeHost : IAsyncLifetime
{
    public const long BodyLimit = 16 * 1024;

    public ServiceHost Service { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Service = await ServiceHost.StartAsync("rest",
            builder => builder.Services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = BodyLimit),
            withRest: true);
        Http = new HttpClient { BaseAddress = Service.HttpAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Service.DisposeAsync();
    }
}
