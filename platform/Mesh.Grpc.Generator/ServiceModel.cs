using Google.Protobuf.Reflection;

namespace Mesh.Grpc.Generator;

/// <summary>A service of a file, with its methods resolved to C# names.</summary>
public sealed record ServiceModel(string Name, string FullName, int Index, string ReflectionClass, IReadOnlyList<RpcMethod> Methods)
{
    public static ServiceModel From(FileDescriptorProto file, int index, TypeNameIndex types)
    {
        var service = file.Service[index];
        var fullName = file.Package.Length == 0 ? service.Name : file.Package + "." + service.Name;
        var ns = CSharpNames.Namespace(file);
        var reflectionClass = (ns.Length == 0 ? "global::" : "global::" + ns + ".") + CSharpNames.ReflectionClass(file);
        var methods = service.Method.Select((m, i) => RpcMethod.From(m, i, types)).ToList();
        return new ServiceModel(service.Name, fullName, index, reflectionClass, methods);
    }
}
