using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Grpc.Tests.Server.Support;

/// <summary>
/// The smallest HTTP/2 client that lets a test see frames: HttpClient hides whether the status came
/// in one HEADERS frame with END_STREAM (trailers-only) or in trailers after an empty body.
/// Requests are encoded with HPACK static-table and literal fields only.
/// </summary>
public sealed class RawHttp2Connection : IAsyncDisposable
{
    public const byte Data = 0, Headers = 1, RstStream = 3, Settings = 4, Ping = 6, GoAway = 7;
    public const byte EndStream = 0x1, EndHeaders = 0x4, Ack = 0x1;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly string _authority;

    private RawHttp2Connection(TcpClient tcp, string authority)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _authority = authority;
    }

    public static async Task<RawHttp2Connection> ConnectAsync(Uri address, CancellationToken ct)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, ct);
        var connection = new RawHttp2Connection(tcp, address.Authority);
        await connection._stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), ct);
        await connection.WriteFrameAsync(Settings, 0, 0, [], ct);
        return connection;
    }

    public async Task SendGrpcRequestAsync(int streamId, string path, byte[] body, CancellationToken ct)
    {
        var block = new List<byte> { 0x83, 0x86 }; // :method POST, :scheme http (static table 3 and 6)
        AddIndexedNameLiteral(block, 4, path);       // :path
        AddIndexedNameLiteral(block, 1, _authority); // :authority
        AddLiteral(block, "content-type", "application/grpc");
        AddLiteral(block, "te", "trailers");
        await WriteFrameAsync(Headers, EndHeaders, streamId, block.ToArray(), ct);
        await WriteFrameAsync(Data, EndStream, streamId, body, ct);
    }

    /// <summary>Frames of one stream up to and including the one that ends it; answers SETTINGS and PING on the way.</summary>
    public async Task<List<(byte Type, byte Flags, byte[] Payload)>> ReadStreamAsync(int streamId, CancellationToken ct)
    {
        var frames = new List<(byte, byte, byte[])>();
        var header = new byte[9];
        while (true)
        {
            await _stream.ReadExactlyAsync(header, ct);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var type = header[3];
            var flags = header[4];
            var id = (int)(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFFFFFF);
            var payload = new byte[length];
            await _stream.ReadExactlyAsync(payload, ct);

            if (type == Settings && (flags & Ack) == 0) await WriteFrameAsync(Settings, Ack, 0, [], ct);
            else if (type == Ping && (flags & Ack) == 0) await WriteFrameAsync(Ping, Ack, 0, payload, ct);
            else if (type == GoAway) throw new InvalidOperationException("GOAWAY received.");

            if (id != streamId) continue;
            frames.Add((type, flags, payload));
            if ((flags & EndStream) != 0 && type is Headers or Data) return frames;
            if (type == RstStream) return frames;
        }
    }

    private async Task WriteFrameAsync(byte type, byte flags, int streamId, byte[] payload, CancellationToken ct)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), (uint)streamId);
        payload.CopyTo(frame, 9);
        await _stream.WriteAsync(frame, ct);
    }

    // Literal header field without indexing, name from the static table (RFC 7541 §6.2.2, 4-bit prefix).
    private static void AddIndexedNameLiteral(List<byte> block, int nameIndex, string value)
    {
        block.Add((byte)nameIndex);
        AddString(block, value);
    }

    // Literal header field without indexing, new name.
    private static void AddLiteral(List<byte> block, string name, string value)
    {
        block.Add(0);
        AddString(block, name);
        AddString(block, value);
    }

    private static void AddString(List<byte> block, string value)
    {
        var bytes = Encoding.ASCII.GetBytes(value);
        if (bytes.Length >= 127) throw new ArgumentException("Keep test strings short.");
        block.Add((byte)bytes.Length); // no Huffman
        block.AddRange(bytes);
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
