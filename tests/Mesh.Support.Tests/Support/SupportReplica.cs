using Grpc.Net.Client;
using Mesh.ServiceDefaults.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using SupportClient = Mesh.Support.V1.Support.SupportClient;

namespace Mesh.Support.Tests.Support;

/// <summary>
/// One replica of the support service in-process, the way Program.cs hosts it, on free loopback ports. Replicas
/// started on the same database are what production runs behind a load balancer: they share nothing but PostgreSQL.
/// </summary>
public sealed class SupportReplica : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private SupportReplica(WebApplication app)
    {
        _app = app;
        Channel = GrpcChannel.ForAddress(app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress);
        Client = new SupportClient(Channel);
    }

    public GrpcChannel Channel { get; }
    public SupportClient Client { get; }
    public IServiceProvider Services => _app.Services;
    public Uri GrpcAddress => _app.Services.GetRequiredService<ServiceEndpoints>().GrpcAddress;
    public Uri HttpAddress => _app.Services.GetRequiredService<ServiceEndpoints>().HttpAddress;
    public NpgsqlDataSource Database => _app.Services.GetRequiredService<NpgsqlDataSource>();

    public static async Task<SupportReplica> StartAsync(string connectionString, TestTokens tokens, TimeProvider clock, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = InProcessService.CreateBuilder(typeof(SupportApi), new Dictionary<string, string?>(settings ?? [])
        {
            ["ConnectionStrings:supportdb"] = connectionString,
            ["Support:RunSlaWatch"] = "false", // tests run SLA rounds by hand, on the test clock
            ["Mesh:Auth:Keys:0:Kid"] = TestTokens.KeyId,
            ["Mesh:Auth:Keys:0:Pem"] = tokens.PublicKeyPem,
        });
        builder.AddServiceDefaults();
        builder.AddSupport();
        builder.Services.AddSingleton(clock);
        var app = builder.Build();
        await app.MigrateSupportDatabaseAsync();
        app.MapGrpcService<SupportApi>();
        app.MapDefaultEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new SupportReplica(app);
    }

    /// <summary>Stops the replica as a crash or a scale-down would: its open chat streams break.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        Channel.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
