using System.Diagnostics;
using System.Net;
using Mesh.Grpc.Health;
using Mesh.Grpc.Tests.Codegen.Fakes;
using Mesh.Grpc.Tests.Codegen.Proto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;
using Task = System.Threading.Tasks.Task;

namespace Mesh.Grpc.Tests.Codegen;

/// <summary>
/// Health and reflection on a real Kestrel h2c server, driven by buf curl (an independent gRPC
/// client that knows our services only through reflection: no .proto file is given to it).
/// </summary>
public sealed class StandardServicesEndToEndTests : IAsyncLifetime
{
    private StandardServicesHost? _host;
    private string _address = "";

    private sealed class CatalogService : Catalog.CatalogBase
    {
        public override System.Threading.Tasks.Task<Item> GetItem(GetItemRequest request, ServerCallContext context) =>
            System.Threading.Tasks.Task.FromResult(new Item
            {
                Name = request.Name,
                Parts = { new Item.Types.Part { Label = "front row" } },
                Updated = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 1_700_000_000 },
            });
    }

    public async ValueTask InitializeAsync()
    {
        _host = await StandardServicesHost.StartAsync<CatalogService>();
        _address = _host.Address;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }

    [Theory]
    [InlineData("grpc-v1")]
    [InlineData("grpc-v1alpha")]
    public async Task Buf_curl_lists_every_method_through_reflection(string reflectProtocol)
    {
        var output = await BufCurlAsync("--list-methods", "--reflect-protocol", reflectProtocol, _address);

        var methods = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("mesh.codegen_test.v1.Catalog/GetItem", methods);
        Assert.Contains("mesh.codegen_test.v1.Catalog/Chat", methods);
        Assert.Contains("grpc.health.v1.Health/Check", methods);
        Assert.Contains("grpc.health.v1.Health/Watch", methods);
        Assert.Contains("grpc.reflection.v1.ServerReflection/ServerReflectionInfo", methods);
    }

    [Fact]
    public async Task Buf_curl_calls_health_Check_for_the_server_and_a_service()
    {
        _host!.Services.GetRequiredService<HealthServiceImpl>().SetStatus("mesh.codegen_test.v1.Catalog", ServingStatus.NotServing);

        var server = await BufCurlAsync("-d", "{}", _address + "/grpc.health.v1.Health/Check");
        var catalog = await BufCurlAsync("-d", "{\"service\":\"mesh.codegen_test.v1.Catalog\"}", _address + "/grpc.health.v1.Health/Check");

        Assert.Contains("\"SERVING\"", server);
        Assert.Contains("\"NOT_SERVING\"", catalog);
    }

    [Fact]
    public async Task Buf_curl_calls_our_service_with_nested_and_imported_types_known_only_by_reflection()
    {
        var output = await BufCurlAsync("-d", "{\"name\":\"seat 7\"}", _address + "/mesh.codegen_test.v1.Catalog/GetItem");

        Assert.Contains("\"seat 7\"", output);
        Assert.Contains("\"front row\"", output);
        Assert.Contains("2023-11-14T22:13:20Z", output);    // google.protobuf.Timestamp rendered as JSON: its schema came by reflection
    }

    /// <summary>buf curl over the gRPC protocol; it must succeed.</summary>
    private static async Task<string> BufCurlAsync(params string[] arguments)
    {
        var (exitCode, stdout, stderr) = await BufCurl.RunAsync(["--protocol", "grpc", .. arguments]);
        Assert.True(exitCode == 0, $"buf curl {string.Join(' ', arguments)} exited {exitCode}: {stderr}");
        return stdout;
    }
}
