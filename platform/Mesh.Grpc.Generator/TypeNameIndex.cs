using Google.Protobuf.Reflection;

namespace Mesh.Grpc.Generator;

/// <summary>
/// Maps every message and enum declared in the request's files (the files to generate and all they
/// import) from its proto full name (".pkg.Outer.Inner") to its C# name, so RPCs can use types from
/// other files and packages.
/// </summary>
public sealed class TypeNameIndex
{
    private readonly Dictionary<string, string> _csharpNames = new(StringComparer.Ordinal);

    public TypeNameIndex(IEnumerable<FileDescriptorProto> files)
    {
        foreach (var file in files)
        {
            var scope = file.Package.Length == 0 ? "" : file.Package + ".";
            foreach (var message in file.MessageType) AddMessage(file, scope, message);
            foreach (var enumType in file.EnumType) Add(file, scope + enumType.Name);
        }
    }

    /// <summary>The global::-qualified C# type for a proto type reference such as ".google.protobuf.Empty".</summary>
    public string Resolve(string protoTypeReference)
    {
        if (_csharpNames.TryGetValue(protoTypeReference, out var name)) return name;
        throw new GeneratorException($"type '{protoTypeReference}' is not declared in any file of the request");
    }

    private void AddMessage(FileDescriptorProto file, string scope, DescriptorProto message)
    {
        var fullName = scope + message.Name;
        Add(file, fullName);
        foreach (var nested in message.NestedType) AddMessage(file, fullName + ".", nested);
        foreach (var enumType in message.EnumType) Add(file, fullName + "." + enumType.Name);
    }

    private void Add(FileDescriptorProto file, string fullName) =>
        _csharpNames["." + fullName] = CSharpNames.TypeName(fullName, file);
}
