using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Mesh.Grpc.Tests.Client;

/// <summary>
/// A bare Kestrel h2c endpoint on 127.0.0.1 whose every response is written by hand in the test: lets the client
/// tests produce exact wire situations (trailers-only, wrong content-type, truncated frames, odd statuses) that a
/// real gRPC server would never send.
/// </summary>
internal sealed class RawGrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RawGrpcServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<RawGrpcServer> StartAsync(RequestDelegate handler, Action<KestrelServerOptions>? configure = null,
                                                       Action<ListenOptions>? configureListen = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                configureListen?.Invoke(listen);
            });
            configure?.Invoke(kestrel);
        });
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new RawGrpcServer(app, new Uri(address));
    }

    public async Task StopAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Hand-written gRPC wire pieces for the raw servers.</summary>
internal static class RawWire
{
    /// <summary>Every request message (decompressed when flagged), read to the end of the request body.</summary>
    public static async Task<List<string>> ReadMessagesAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var bytes = body.ToArray();
        var messages = new List<string>();
        for (var offset = 0; offset < bytes.Length;)
        {
            var compressed = bytes[offset] == 1;
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset + 1, 4));
            var payload = bytes.AsSpan(offset + 5, length).ToArray();
            if (compressed) payload = Gunzip(payload);
            messages.Add(Encoding.UTF8.GetString(payload));
            offset += 5 + length;
        }
        return messages;
    }

    public static void StartResponse(HttpResponse response)
    {
        response.StatusCode = 200;
        response.ContentType = "application/grpc";
    }

    public static Task WriteMessageAsync(HttpResponse response, string message, bool compress = false) =>
        WriteFrameAsync(response, Encoding.UTF8.GetBytes(message), compress);

    public static async Task WriteFrameAsync(HttpResponse response, byte[] payload, bool compress = false)
    {
        if (compress) payload = Gzip(payload);
        var frame = new byte[5 + payload.Length];
        frame[0] = compress ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        await response.Body.WriteAsync(frame);
        await response.Body.FlushAsync();
    }

    public static void AppendStatus(HttpResponse response, int code, string message = "")
    {
        response.AppendTrailer("grpc-status", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (message.Length > 0) response.AppendTrailer("grpc-message", Mesh.Grpc.Wire.PercentEncoding.Encode(message));
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
