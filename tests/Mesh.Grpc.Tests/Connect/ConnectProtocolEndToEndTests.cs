using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
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
using Task = System.Threading.Tasks.Task;

namespace Mesh.Grpc.Tests.Connect;

/// <summary>
/// The Connect protocol (buf curl's default, so no --protocol flag here) on a real Kestrel h2c server
/// that also serves gRPC: reflection (bidi streaming), health Check (unary), errors, and a bidi echo.
/// </summary>
public sealed class ConnectProtocolEndToEndTests : IAsyncLifetime
{
    private StandardServicesHost? _host;
    private string _address = "";

    private sealed class CatalogService : Catalog.CatalogBase
    {
        public override System.Threading.Tasks.Task<Item> GetItem(GetItemRequest request, ServerCallContext context)
        {
            if (request.Name == "missing")
            {
                context.ResponseTrailers.Add("lookup-shard", "7");
                throw new RpcException(new Status(StatusCode.NotFound, "no item named 'missing'"));
            }
            return System.Threading.Tasks.Task.FromResult(new Item { Name = request.Name });
        }

        public override async Task Chat(IAsyncStreamReader<Item> requestStream, IServerStreamWriter<Item> responseStream, ServerCallContext context)
        {
            while (await requestStream.MoveNext(context.CancellationToken))
                await responseStream.WriteAsync(new Item { Name = "echo " + requestStream.Current.Name });
        }
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

    [Fact]
    public async Task Buf_curl_lists_methods_over_connect_with_no_proto_file()
    {
        var (exitCode, stdout, stderr) = await BufCurlAsync("--list-methods", _address);

        Assert.True(exitCode == 0, stderr);
        var methods = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("grpc.health.v1.Health/Check", methods);
        Assert.Contains("grpc.health.v1.Health/Watch", methods);
        Assert.Contains("grpc.reflection.v1.ServerReflection/ServerReflectionInfo", methods);
        Assert.Contains("mesh.codegen_test.v1.Catalog/GetItem", methods);
    }

    [Fact]
    public async Task Buf_curl_calls_health_Check_over_connect()
    {
        var (exitCode, stdout, stderr) = await BufCurlAsync("-d", "{}", _address + "/grpc.health.v1.Health/Check");

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("\"SERVING\"", stdout);
    }

    [Fact]
    public async Task Buf_curl_prints_the_connect_error_code_and_message_of_a_failed_call()
    {
        var (exitCode, stdout, stderr) = await BufCurlAsync("-d", "{\"name\":\"missing\"}", _address + "/mesh.codegen_test.v1.Catalog/GetItem");

        Assert.NotEqual(0, exitCode);
        var output = stdout + stderr;
        Assert.Contains("not_found", output);
        Assert.Contains("no item named 'missing'", output);
    }

    [Fact]
    public async Task Buf_curl_streams_both_ways_over_connect()
    {
        var (exitCode, stdout, stderr) = await BufCurlAsync("-d", "{\"name\":\"a\"} {\"name\":\"b\"}", _address + "/mesh.codegen_test.v1.Catalog/Chat");

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("\"echo a\"", stdout);
        Assert.Contains("\"echo b\"", stdout);
    }

    [Fact]
    public async Task A_failed_unary_call_is_an_http_error_status_with_a_json_body_and_prefixed_trailers()
    {
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var content = new ByteArrayContent(new GetItemRequest { Name = "missing" }.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/proto");
        var request = new HttpRequestMessage(HttpMethod.Post, _address + "/mesh.codegen_test.v1.Catalog/GetItem") { Content = content, Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Add("Connect-Protocol-Version", "1");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.True(HttpStatusCode.NotFound == response.StatusCode, response.StatusCode + ": " + await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("7", Assert.Single(response.Headers.GetValues("trailer-lookup-shard")));
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("not_found", error.RootElement.GetProperty("code").GetString());
        Assert.Equal("no item named 'missing'", error.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_successful_unary_call_answers_the_bare_message()
    {
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var content = new ByteArrayContent(new GetItemRequest { Name = "seat 7" }.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/proto");

        using var response = await client.PostAsync(_address + "/mesh.codegen_test.v1.Catalog/GetItem", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/proto", response.Content.Headers.ContentType?.MediaType);
        var item = Item.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal("seat 7", item.Name);
    }

    /// <summary>buf curl with its default protocol (Connect); returns instead of asserting so error output can be checked.</summary>
    /// <summary>buf curl with its default protocol, Connect.</summary>
    private static Task<(int ExitCode, string Stdout, string Stderr)> BufCurlAsync(params string[] arguments) => BufCurl.RunAsync(arguments);
}
