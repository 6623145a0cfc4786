using System.Text;
using Google.Protobuf.Reflection;

namespace Mesh.Grpc.Generator;

/// <summary>
/// The C# names protoc's C# generator gives to a proto file's types, so the service code we emit
/// refers to exactly the classes protoc emitted beside it. The rules mirror protoc's documented
/// behaviour: namespace from <c>csharp_namespace</c> or the PascalCased package, nested messages inside a
/// <c>Types</c> class, the reflection class named after the file.
/// </summary>
public static class CSharpNames
{
    /// <summary>The namespace protoc puts a file's types in.</summary>
    public static string Namespace(FileDescriptorProto file) =>
        file.Options?.HasCsharpNamespace == true ? file.Options.CsharpNamespace : UnderscoresToCamelCase(file.Package, capitalizeNext: true, keepPeriods: true);

    /// <summary>"foo_bar.proto" → "FooBarReflection", the class holding the file's descriptor.</summary>
    public static string ReflectionClass(FileDescriptorProto file) => FileNameBase(file.Name) + "Reflection";

    /// <summary>"dir/foo_bar.proto" → "FooBar", protoc's C# file-name rule.</summary>
    public static string FileNameBase(string protoPath) => UnderscoresToCamelCase(StripProtoExtension(LastSegment(protoPath)), capitalizeNext: true, keepPeriods: false);

    /// <summary>
    /// The file Grpc.Tools expects the service code in: "dir/foo_bar.proto" → "FooBarGrpc.cs". This is
    /// grpc_csharp_plugin's rule (split on '_', capitalise each part), which differs from protoc's for
    /// names with digits or dashes; Grpc.Tools predicts this one, so we must produce it.
    /// </summary>
    public static string GrpcFileName(string protoPath)
    {
        var stem = StripProtoExtension(LastSegment(protoPath));
        var builder = new StringBuilder(stem.Length + 7);
        foreach (var part in stem.Split('_', StringSplitOptions.RemoveEmptyEntries))
        {
            builder.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
        }
        return builder.Append("Grpc.cs").ToString();
    }

    /// <summary>
    /// The global::-qualified C# name of a message or enum, given its proto full name (without the
    /// leading dot) and the file that declares it.
    /// </summary>
    public static string TypeName(string protoFullName, FileDescriptorProto declaringFile)
    {
        var package = declaringFile.Package;
        var relative = package.Length == 0 ? protoFullName : protoFullName[(package.Length + 1)..];
        var ns = Namespace(declaringFile);
        var prefix = ns.Length == 0 ? "global::" : "global::" + ns + ".";
        return prefix + relative.Replace(".", ".Types.");
    }

    /// <summary>
    /// protoc's UnderscoresToCamelCase: letters after '_' (or any non-alphanumeric) and after digits
    /// are capitalised; the separators are dropped (periods kept when asked, for namespaces).
    /// </summary>
    public static string UnderscoresToCamelCase(string input, bool capitalizeNext, bool keepPeriods)
    {
        var result = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (c is >= 'a' and <= 'z')
            {
                result.Append(capitalizeNext ? (char)(c - 'a' + 'A') : c);
                capitalizeNext = false;
            }
            else if (c is >= 'A' and <= 'Z')
            {
                // protoc lower-cases a leading capital unless told to capitalise.
                result.Append(i == 0 && !capitalizeNext ? (char)(c - 'A' + 'a') : c);
                capitalizeNext = false;
            }
            else if (c is >= '0' and <= '9')
            {
                result.Append(c);
                capitalizeNext = true;
            }
            else
            {
                capitalizeNext = true;
                if (c == '.' && keepPeriods) result.Append('.');
            }
        }
        if (input.Length > 0 && input[^1] == '#') result.Append('_');
        return result.ToString();
    }

    private static string LastSegment(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static string StripProtoExtension(string name) =>
        name.EndsWith(".protodevel", StringComparison.Ordinal) ? name[..^".protodevel".Length]
        : name.EndsWith(".proto", StringComparison.Ordinal) ? name[..^".proto".Length]
        : name;
}
