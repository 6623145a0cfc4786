using Google.Protobuf.Reflection;

namespace Mesh.Grpc.Reflection;

/// <summary>
/// What server reflection can answer, built from the descriptors of the services a server exposes:
/// their files and every file those import (transitively), and each symbol those files declare
/// (services, methods, messages and nested messages, fields, oneofs, enums, enum values, extensions),
/// indexed by fully-qualified proto name. Built once, on first use, then read-only (thread-safe).
/// </summary>
public sealed class ReflectionIndex
{
    private readonly Lazy<Tables> _tables;

    public ReflectionIndex(IEnumerable<ServiceDescriptor> services)
        : this(() => services) { }

    /// <summary>
    /// The services are asked for on first use, so a server can register services after creating
    /// the index (for example every service mapped before the app starts).
    /// </summary>
    public ReflectionIndex(Func<IEnumerable<ServiceDescriptor>> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _tables = new Lazy<Tables>(() => Build(services()), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Full names of the exposed services ("package.Service"), sorted, no duplicates.</summary>
    public IReadOnlyList<string> ServiceNames => _tables.Value.ServiceNames;

    public FileDescriptor? FindFileByName(string name) =>
        _tables.Value.Files.GetValueOrDefault(name);

    public FileDescriptor? FindFileContainingSymbol(string fullName) =>
        _tables.Value.Symbols.GetValueOrDefault(TrimLeadingDot(fullName));

    /// <summary>The extension of <paramref name="extendee"/> with field number <paramref name="number"/>, if any file declares it.</summary>
    public FieldDescriptor? FindExtension(string extendee, int number) =>
        _tables.Value.ExtensionsByExtendee.TryGetValue(TrimLeadingDot(extendee), out var list)
            ? list.FirstOrDefault(e => e.FieldNumber == number)
            : null;

    /// <summary>Extension numbers of a known message type (empty if none); null if the type is unknown.</summary>
    public IReadOnlyList<int>? FindExtensionNumbers(string messageType)
    {
        var name = TrimLeadingDot(messageType);
        var tables = _tables.Value;
        if (!tables.MessageTypes.Contains(name)) return null;
        return tables.ExtensionsByExtendee.TryGetValue(name, out var list) ? list.Select(e => e.FieldNumber).ToList() : [];
    }

    private static string TrimLeadingDot(string name) => name.StartsWith('.') ? name[1..] : name;

    private sealed class Tables
    {
        public List<string> ServiceNames { get; } = new();
        public Dictionary<string, FileDescriptor> Files { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, FileDescriptor> Symbols { get; } = new(StringComparer.Ordinal);
        public HashSet<string> MessageTypes { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<FieldDescriptor>> ExtensionsByExtendee { get; } = new(StringComparer.Ordinal);
    }

    private static Tables Build(IEnumerable<ServiceDescriptor> services)
    {
        var tables = new Tables();
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            names.Add(service.FullName);
            AddFileWithDependencies(tables, service.File);
        }
        tables.ServiceNames.AddRange(names);
        return tables;
    }

    private static void AddFileWithDependencies(Tables tables, FileDescriptor root)
    {
        var pending = new Stack<FileDescriptor>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var file = pending.Pop();
            if (!tables.Files.TryAdd(file.Name, file)) continue;
            IndexFile(tables, file);
            foreach (var dependency in file.Dependencies) pending.Push(dependency);
        }
    }

    private static void IndexFile(Tables tables, FileDescriptor file)
    {
        foreach (var service in file.Services)
        {
            AddSymbol(tables, service.FullName, file);
            foreach (var method in service.Methods) AddSymbol(tables, service.FullName + "." + method.Name, file);
        }
        var scope = file.Package.Length == 0 ? "" : file.Package + ".";
        foreach (var message in file.MessageTypes) IndexMessage(tables, message, file);
        foreach (var enumType in file.EnumTypes) IndexEnum(tables, enumType, scope, file);
        foreach (var extension in file.Extensions.UnorderedExtensions) IndexExtension(tables, extension, file);
    }

    private static void IndexMessage(Tables tables, MessageDescriptor message, FileDescriptor file)
    {
        AddSymbol(tables, message.FullName, file);
        tables.MessageTypes.Add(message.FullName);
        foreach (var field in message.Fields.InDeclarationOrder()) AddSymbol(tables, message.FullName + "." + field.Name, file);
        foreach (var oneof in message.Oneofs) AddSymbol(tables, message.FullName + "." + oneof.Name, file);
        foreach (var nested in message.NestedTypes) IndexMessage(tables, nested, file);
        foreach (var enumType in message.EnumTypes) IndexEnum(tables, enumType, message.FullName + ".", file);
        foreach (var extension in message.Extensions.UnorderedExtensions) IndexExtension(tables, extension, file);
    }

    private static void IndexEnum(Tables tables, EnumDescriptor enumType, string scope, FileDescriptor file)
    {
        AddSymbol(tables, enumType.FullName, file);
        // Proto scoping puts enum values beside their enum ("pkg.RED", not "pkg.Color.RED"); accept both.
        foreach (var value in enumType.Values)
        {
            AddSymbol(tables, scope + value.Name, file);
            AddSymbol(tables, enumType.FullName + "." + value.Name, file);
        }
    }

    private static void IndexExtension(Tables tables, FieldDescriptor extension, FileDescriptor file)
    {
        AddSymbol(tables, extension.FullName, file);
        var extendee = extension.ExtendeeType?.FullName;
        if (extendee is null) return;
        if (!tables.ExtensionsByExtendee.TryGetValue(extendee, out var list)) tables.ExtensionsByExtendee[extendee] = list = new();
        list.Add(extension);
    }

    // The first declaration wins: two files declaring one symbol cannot both be linked into a process.
    private static void AddSymbol(Tables tables, string name, FileDescriptor file) => tables.Symbols.TryAdd(name, file);
}
