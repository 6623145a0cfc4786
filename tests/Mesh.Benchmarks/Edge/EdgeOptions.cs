using System.Buffers.Binary;
using Google.Protobuf;
using Mesh.Benchmarks.Edge.Proto;

namespace Mesh.Benchmarks.Edge;

/// <summary>The flags of the edge modes (--name value pairs).</summary>
public sealed class EdgeOptions
{
    /// <summary>The backend's gRPC (h2c) port; 0 picks a free one.</summary>
    public int Port { get; private set; }

    /// <summary>The backend's REST (HTTP/1.1) port; 0 picks a free one.</summary>
    public int HttpPort { get; private set; }

    /// <summary>The backend's http endpoint for the gateway (services__catalog__http__0).</summary>
    public string? Backend { get; private set; }
    public string OutDir { get; private set; } = ".";

    /// <summary>
    /// The backend's gRPC server: <c>mesh</c> (ServiceDefaults' AddGrpcServer, as every service runs it) or <c>bare</c>
    /// (Grpc.AspNetCore and the official JSON transcoding with their defaults and nothing else: the packages' floor).
    /// </summary>
    public string Kind { get; private set; } = "mesh";
    public long Id { get; private set; } = 42;

    public static EdgeOptions Parse(string[] args)
    {
        var options = new EdgeOptions();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
            var value = args[i + 1];
            switch (args[i])
            {
                case "--port": options.Port = int.Parse(value); break;
                case "--http-port": options.HttpPort = int.Parse(value); break;
                case "--backend": options.Backend = value; break;
                case "--out": options.OutDir = value; break;
                case "--kind": options.Kind = value is "mesh" or "bare" ? value : throw new ArgumentException($"--kind {value}: mesh or bare"); break;
                case "--id": options.Id = long.Parse(value); break;
                default: throw new ArgumentException($"unknown flag {args[i]}");
            }
        }
        return options;
    }
}

/// <summary>
/// <c>edge-bodies --out DIR [--id N]</c>: get-item.bin, the gRPC frame (5-byte prefix + GetItemRequest) h2load sends
/// for the direct call; the REST call needs no body (GET /v1/bench/{id}).
/// </summary>
public static class EdgeBodies
{
    public static int Write(EdgeOptions options)
    {
        Directory.CreateDirectory(options.OutDir);
        var payload = new GetItemRequest { Id = options.Id }.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        File.WriteAllBytes(Path.Combine(options.OutDir, "get-item.bin"), frame);
        Console.WriteLine($"wrote get-item.bin to {options.OutDir}");
        return 0;
    }
}
