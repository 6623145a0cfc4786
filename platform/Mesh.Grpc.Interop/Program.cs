using Mesh.Grpc.Interop;
using Mesh.Grpc.Interop.Client;
using Mesh.Grpc.Interop.Server;

// gRPC's interop harness (grpc/doc/interop-test-descriptions.md) with the command-line shape of gRPC's
// cross-language matrix:
//   server --port P [--use_tls false]
//   client --server_host H --server_port P --test_case NAME [--use_tls false] [--server_host_override NAME]
// Exit codes: 0 = pass / clean shutdown, 1 = the case failed, 2 = bad command line.

const string Usage = """
    usage:
      Mesh.Grpc.Interop server --port P [--use_tls false]
      Mesh.Grpc.Interop client --server_host H --server_port P --test_case NAME [--use_tls false] [--server_host_override NAME]
    """;

if (args.Length == 0 || args[0] is not ("server" or "client"))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

try
{
    var rest = args[1..];
    return args[0] == "server"
        ? await InteropServer.RunAsync(CommandLine.Parse(rest, InteropServer.KnownFlags))
        : await InteropClient.RunAsync(CommandLine.Parse(rest, InteropClient.KnownFlags));
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"Mesh.Grpc.Interop: {ex.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
