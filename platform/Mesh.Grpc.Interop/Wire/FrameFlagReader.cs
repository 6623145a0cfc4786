using System.Buffers.Binary;

namespace Mesh.Grpc.Interop.Wire;

/// <summary>
/// Follows a gRPC message stream (5-byte prefix + payload, repeated) as raw bytes pass by, and reports
/// the compressed flag of every message. The compression cases must check that flag, and neither the
/// server's nor the client's public API hands it out, so the interop harness watches the wire instead.
/// Bytes may arrive in any chunking: a prefix split across reads is reassembled.
/// </summary>
public sealed class FrameFlagReader
{
    private readonly Action<bool> _onMessage;
    private readonly byte[] _header = new byte[5];
    private int _headerFilled;
    private long _payloadLeft;

    public FrameFlagReader(Action<bool> onMessage) => _onMessage = onMessage;

    public void Push(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_payloadLeft > 0)
            {
                var skip = (int)Math.Min(_payloadLeft, bytes.Length);
                bytes = bytes[skip..];
                _payloadLeft -= skip;
                continue;
            }

            var take = Math.Min(_header.Length - _headerFilled, bytes.Length);
            bytes[..take].CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += take;
            bytes = bytes[take..];
            if (_headerFilled < _header.Length) return;

            _headerFilled = 0;
            _payloadLeft = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1));
            _onMessage(_header[0] == 1);
        }
    }
}
