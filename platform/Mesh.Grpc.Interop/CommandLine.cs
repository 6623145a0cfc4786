namespace Mesh.Grpc.Interop;

/// <summary>
/// The flags of gRPC's interop matrix: <c>--name=value</c> or <c>--name value</c>. Every flag the matrix
/// may pass is accepted; anything else is a usage error.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string> _values;

    private CommandLine(Dictionary<string, string> values) => _values = values;

    /// <summary>Parses args; throws <see cref="UsageException"/> for an unknown flag or a flag without a value.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> knownFlags)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unexpected argument '{arg}'");
            var name = arg[2..];
            string value;
            var eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else
            {
                if (i + 1 >= args.Count) throw new UsageException($"flag --{name} needs a value");
                value = args[++i];
            }
            if (!knownFlags.Contains(name)) throw new UsageException($"unknown flag --{name}");
            values[name] = value;
        }
        return new CommandLine(values);
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public string GetRequired(string name) => Get(name) ?? throw new UsageException($"--{name} is required");

    public int GetPort(string name, bool allowZero)
    {
        var text = GetRequired(name);
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port > 65535 || (port == 0 && !allowZero))
            throw new UsageException($"--{name} must be a port number, not '{text}'");
        return port;
    }

    public bool GetBool(string name, bool fallback) => Get(name) switch
    {
        null => fallback,
        "true" => true,
        "false" => false,
        var other => throw new UsageException($"--{name} must be true or false, not '{other}'"),
    };
}

/// <summary>A bad command line: the program prints usage and exits with 2.</summary>
public sealed class UsageException(string message) : Exception(message);
