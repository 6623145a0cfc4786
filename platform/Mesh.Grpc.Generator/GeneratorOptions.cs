namespace Mesh.Grpc.Generator;

/// <summary>
/// The plugin parameter, a comma-separated list. Grpc.Tools passes the same options it passes to
/// grpc_csharp_plugin (<c>GrpcServices="Client"</c> → no_server, <c>Access="Internal"</c> → internal_access).
/// </summary>
public sealed record GeneratorOptions(bool GenerateServer, bool GenerateClient, bool InternalAccess)
{
    public static GeneratorOptions Parse(string? parameter)
    {
        bool server = true, client = true, internalAccess = false;
        foreach (var raw in (parameter ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (raw)
            {
                case "no_server": server = false; break;
                case "no_client": client = false; break;
                case "internal_access": internalAccess = true; break;
                default: throw new GeneratorException($"unknown option '{raw}' (known: no_server, no_client, internal_access)");
            }
        }
        return new GeneratorOptions(server, client, internalAccess);
    }

    public string Access => InternalAccess ? "internal" : "public";
}
