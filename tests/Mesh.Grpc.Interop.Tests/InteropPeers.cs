namespace Mesh.Grpc.Interop.Tests;

/// <summary>How to start each side of a pairing: the program and the arguments before the interop flags.</summary>
public static class InteropPeers
{
    public static (string FileName, string[] Arguments) MeshServer(int port) =>
        ("dotnet", [RepoPaths.InteropDll, "server", "--port", Port(port)]);

    public static (string FileName, string[] Arguments) NodeServer(int port) =>
        ("node", [NodeScript("interop-server.js"), "--port", Port(port)]);

    public static (string FileName, string[] Arguments) MeshClient(int serverPort, string testCase) =>
        ("dotnet", [RepoPaths.InteropDll, "client", .. ClientFlags(serverPort, testCase)]);

    public static (string FileName, string[] Arguments) NodeClient(int serverPort, string testCase) =>
        ("node", [NodeScript("interop-client.js"), .. ClientFlags(serverPort, testCase)]);

    // The flag shape gRPC's interop matrix passes.
    private static string[] ClientFlags(int serverPort, string testCase) =>
        ["--server_host=127.0.0.1", $"--server_port={Port(serverPort)}", $"--test_case={testCase}", "--use_tls=false"];

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string NodeScript(string name)
    {
        var script = Path.Combine(RepoPaths.NodeDir, name);
        if (!File.Exists(script)) throw new InvalidOperationException($"{script} is missing.");
        if (!Directory.Exists(Path.Combine(RepoPaths.NodeDir, "node_modules", "@grpc", "grpc-js")))
            throw new InvalidOperationException($"@grpc/grpc-js is not installed: run `npm ci` in {RepoPaths.NodeDir} (./mesh test does).");
        return script;
    }
}
