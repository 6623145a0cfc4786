namespace Mesh.Grpc.Benchmarks.Load;

/// <summary>The few flags of the load-test modes (--name value pairs); defaults are what run-load.sh uses.</summary>
public sealed class LoadOptions
{
    public int Port { get; private set; }
    public string OutDir { get; private set; } = ".";
    /// <summary>Payload bytes in each unary request and response.</summary>
    public int UnarySize { get; private set; } = 64;
    /// <summary>Responses per StreamingOutputCall.</summary>
    public int StreamMessages { get; private set; } = 1000;
    /// <summary>Payload bytes per streamed response ("small messages").</summary>
    public int StreamSize { get; private set; } = 16;
    public int Seconds { get; private set; } = 10;
    public int Streams { get; private set; } = 8;

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
            var value = args[i + 1];
            switch (args[i])
            {
                case "--port": options.Port = int.Parse(value); break;
                case "--out": options.OutDir = value; break;
                case "--unary-size": options.UnarySize = int.Parse(value); break;
                case "--stream-messages": options.StreamMessages = int.Parse(value); break;
                case "--stream-size": options.StreamSize = int.Parse(value); break;
                case "--seconds": options.Seconds = int.Parse(value); break;
                case "--streams": options.Streams = int.Parse(value); break;
                default: throw new ArgumentException($"unknown flag {args[i]}");
            }
        }
        return options;
    }
}
