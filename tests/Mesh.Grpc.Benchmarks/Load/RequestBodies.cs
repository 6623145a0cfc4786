using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Testing;

namespace Mesh.Grpc.Benchmarks.Load;

/// <summary>
/// <c>request-bodies --out DIR</c>: the request bodies h2load sends (-d FILE), as gRPC frames
/// (1-byte compressed flag, 4-byte big-endian length, serialized message):
///   unary.bin   SimpleRequest asking for --unary-size bytes and carrying as many
///   stream.bin  StreamingOutputCallRequest asking for --stream-messages responses of --stream-size bytes
/// </summary>
public static class RequestBodies
{
    public static int Write(LoadOptions options)
    {
        Directory.CreateDirectory(options.OutDir);

        var unary = new SimpleRequest
        {
            ResponseType = PayloadType.Compressable,
            ResponseSize = options.UnarySize,
            Payload = new Payload { Body = ByteString.CopyFrom(new byte[options.UnarySize]) },
        };
        WriteFrame(Path.Combine(options.OutDir, "unary.bin"), unary);

        var stream = new StreamingOutputCallRequest { ResponseType = PayloadType.Compressable };
        for (var i = 0; i < options.StreamMessages; i++)
            stream.ResponseParameters.Add(new ResponseParameters { Size = options.StreamSize });
        WriteFrame(Path.Combine(options.OutDir, "stream.bin"), stream);

        Console.WriteLine($"wrote unary.bin and stream.bin to {options.OutDir}");
        return 0;
    }

    private static void WriteFrame(string path, IMessage message)
    {
        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        File.WriteAllBytes(path, frame);
    }
}
