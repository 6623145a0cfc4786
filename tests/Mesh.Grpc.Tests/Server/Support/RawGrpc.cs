using Xunit;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;

namespace Mesh.Grpc.Tests.Server.Support;

/// <summary>
/// gRPC by hand over a plain HttpClient (HTTP/2 prior knowledge): framing is written and parsed here,
/// so the server is tested without our own client.
/// </summary>
public static class RawGrpc
{
    public static HttpClient CreateClient(Uri baseAddress) =>
        new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
        {
            BaseAddress = baseAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };

    public static byte[] Frame(byte[] payload, bool compressed = false)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static byte[] Frame(string text) => Frame(Encoding.UTF8.GetBytes(text));

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    public static byte[] Gunzip(byte[] data)
    {
        using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public static HttpRequestMessage Request(string path, HttpContent content, string contentType = "application/grpc",
        params (string Name, string Value)[] headers)
    {
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    public static HttpRequestMessage Request(string path, byte[] body, params (string Name, string Value)[] headers) =>
        Request(path, new ChunkedContent(body), "application/grpc", headers);

    public static Task<GrpcReply> CallAsync(HttpClient client, string path, byte[] body, params (string Name, string Value)[] headers) =>
        SendAsync(client, Request(path, body, headers));

    public static async Task<GrpcReply> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        if (!cancellationToken.CanBeCanceled) cancellationToken = TestContext.Current.CancellationToken;
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return await GrpcReply.ReadAsync(response, cancellationToken);
    }

    public static string Path(IMethod method) => method.FullName;
}

/// <summary>A request body written in given chunks, each flushed on its own (so each goes out as its own DATA frame(s)).</summary>
public sealed class ChunkedContent : HttpContent
{
    private readonly IReadOnlyList<byte[]> _chunks;

    public ChunkedContent(params byte[][] chunks) => _chunks = chunks;

    /// <summary>The body cut into pieces of at most chunkSize bytes.</summary>
    public static ChunkedContent Split(byte[] body, int chunkSize) =>
        new(body.Chunk(chunkSize).ToArray());

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        foreach (var chunk in _chunks)
        {
            await stream.WriteAsync(chunk);
            await stream.FlushAsync();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>A request body the test writes to while the call runs (streaming requests, cancellation).</summary>
public sealed class PushContent : HttpContent
{
    private readonly Channel<byte[]> _channel = Channel.CreateUnbounded<byte[]>();

    public void Send(byte[] bytes) => _channel.Writer.TryWrite(bytes);
    public void Complete() => _channel.Writer.TryComplete();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await foreach (var chunk in _channel.Reader.ReadAllAsync(cancellationToken))
        {
            await stream.WriteAsync(chunk, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>A whole response: HTTP status, headers, the length-prefixed messages and the trailers.</summary>
public sealed class GrpcReply
{
    public required HttpStatusCode HttpStatus { get; init; }
    public required Dictionary<string, string> Headers { get; init; }
    public required Dictionary<string, string> Trailers { get; init; }
    public required List<(bool Compressed, byte[] Payload)> Messages { get; init; }
    public required int TrailingBytes { get; init; }

    /// <summary>
    /// grpc-status from the trailers, or from the headers of a trailers-only response. A status in the
    /// headers of a response that also has messages or trailers is malformed: -1.
    /// </summary>
    public int? Status
    {
        get
        {
            var inHeaders = Headers.GetValueOrDefault("grpc-status");
            if (inHeaders is not null && (Messages.Count > 0 || Trailers.Count > 0 || TrailingBytes > 0)) return -1;
            return int.TryParse(Trailers.GetValueOrDefault("grpc-status") ?? inHeaders, out var s) ? s : null;
        }
    }

    public string? Message => Trailers.GetValueOrDefault("grpc-message") ?? Headers.GetValueOrDefault("grpc-message");

    public bool IsTrailersOnly => Headers.ContainsKey("grpc-status") && Trailers.Count == 0 && Messages.Count == 0;

    public List<string> Texts => Messages.Select(m => Encoding.UTF8.GetString(m.Compressed ? RawGrpc.Gunzip(m.Payload) : m.Payload)).ToList();

    public static async Task<GrpcReply> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var messages = new List<(bool, byte[])>();
        var offset = 0;
        while (body.Length - offset >= 5)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1));
            if (body.Length - offset - 5 < length) break;
            messages.Add((body[offset] == 1, body.AsSpan(offset + 5, length).ToArray()));
            offset += 5 + length;
        }

        return new GrpcReply
        {
            HttpStatus = response.StatusCode,
            Headers = Flatten(response.Headers.Concat(response.Content.Headers)),
            Trailers = Flatten(response.TrailingHeaders),
            Messages = messages,
            TrailingBytes = body.Length - offset,
        };
    }

    private static Dictionary<string, string> Flatten(IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers) =>
        headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value));
}
