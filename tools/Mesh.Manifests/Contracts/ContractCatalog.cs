using System.Reflection;
using Google.Api;
using Google.Protobuf.Reflection;

namespace Mesh.Manifests.Contracts;

/// <summary>
/// The compiled contracts (Mesh.Contracts, by Grpc.Tools), read from their descriptors: which methods each service
/// serves and how the proto marks them. A service serves the contracts of package <c>mesh.{its name}.v1</c>
/// (docs/conventions.md).
/// </summary>
public sealed class ContractCatalog(IReadOnlyList<FileDescriptor> files)
{
    /// <summary>Every file descriptor the Mesh.Contracts assembly carries (each generated <c>…Reflection.Descriptor</c>).</summary>
    public static ContractCatalog FromContractsAssembly()
    {
        var assembly = typeof(Mesh.Users.V1.Users).Assembly;
        var files = assembly.GetTypes()
            .Where(t => t is { IsAbstract: true, IsSealed: true } && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
            .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
            .OfType<FileDescriptor>()
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
        return new ContractCatalog(files);
    }

    /// <summary>The methods a service of this name serves, in proto order; none for a service without a contract (the edge).</summary>
    public IReadOnlyList<ContractMethod> MethodsOf(string service) =>
        [.. files.Where(f => f.Package == $"mesh.{service}.v1")
            .SelectMany(f => f.Services)
            .SelectMany(s => s.Methods)
            .Select(ToMethod)];

    /// <summary>Every method of every contract.</summary>
    public IEnumerable<ContractMethod> AllMethods => files.SelectMany(f => f.Services).SelectMany(s => s.Methods).Select(ToMethod);

    private static ContractMethod ToMethod(MethodDescriptor method)
    {
        var level = method.GetOptions()?.IdempotencyLevel ?? MethodOptions.Types.IdempotencyLevel.IdempotencyUnknown;
        return new ContractMethod(
            $"/{method.Service.FullName}/{method.Name}",
            level is MethodOptions.Types.IdempotencyLevel.NoSideEffects or MethodOptions.Types.IdempotencyLevel.Idempotent,
            method.IsServerStreaming || method.IsClientStreaming,
            RestRoutes(method));
    }

    private static List<RestRoute> RestRoutes(MethodDescriptor method)
    {
        var rule = method.GetOptions()?.GetExtension(AnnotationsExtensions.Http);
        if (rule is null) return [];
        return [.. new[] { rule }.Concat(rule.AdditionalBindings).Select(Route).OfType<RestRoute>()];
    }

    private static RestRoute? Route(HttpRule rule) => rule.PatternCase switch
    {
        HttpRule.PatternOneofCase.Get => new RestRoute("GET", rule.Get),
        HttpRule.PatternOneofCase.Post => new RestRoute("POST", rule.Post),
        HttpRule.PatternOneofCase.Put => new RestRoute("PUT", rule.Put),
        HttpRule.PatternOneofCase.Patch => new RestRoute("PATCH", rule.Patch),
        HttpRule.PatternOneofCase.Delete => new RestRoute("DELETE", rule.Delete),
        HttpRule.PatternOneofCase.Custom => new RestRoute(rule.Custom.Kind, rule.Custom.Path),
        _ => null,
    };
}
