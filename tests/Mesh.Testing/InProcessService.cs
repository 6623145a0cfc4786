using Mesh.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Mesh.Testing;

/// <summary>
/// A service hosted inside the test process the way its Program.cs hosts it: the one place that knows what every such
/// host needs — free loopback ports for its grpc and http endpoints, a short drain so fixtures stop quickly, the
/// service's own assembly as the application (so its embedded migrations and configuration binding resolve), and
/// warnings only in the test output. <paramref name="settings"/> come last, so a fixture may pin a port.
/// </summary>
public static class InProcessService
{
    public static WebApplicationBuilder CreateBuilder(Type? serviceType, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = serviceType?.Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ServiceEndpoints.GrpcPortKey] = "0",
            [ServiceEndpoints.HttpPortKey] = "0",
            [HostingExtensions.DrainTimeoutKey] = "00:00:01",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return builder;
    }
}
