using System.Text.RegularExpressions;

namespace Mesh.Servers;

/// <summary>
/// Recognises, in what a server printed, that it could not bind a port — each server says it its own way — and which
/// of the attempt's ports it names.
/// </summary>
internal static partial class BindFailures
{
    // postgres: 'could not bind IPv4 address "127.0.0.1": Address already in use'; redis: '…listening socket
    // 127.0.0.1:N: bind: Address already in use'; RabbitMQ's listener: 'eaddrinuse'; its distribution port: 'could not
    // bind to distribution port N' (dist_port_already_used); epmd: 'there is already a epmd running at port N'.
    [GeneratedRegex(@"address already in use|eaddrinuse|could not bind|dist_port_already_used|already a epmd running", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();

    public static bool IsIn(ServerStartException ex) => Pattern().IsMatch(ex.Reason) || Pattern().IsMatch(ex.LogTail);

    /// <summary>The ports whose numbers the failure's text names, as a whole number (not inside a longer one).</summary>
    public static IReadOnlyList<AttemptPort> Named(ServerStartException ex, IEnumerable<AttemptPort> ports) =>
        ports.Where(p => Regex.IsMatch(ex.Reason + "\n" + ex.LogTail, $@"(?<!\d){p.Port}(?!\d)")).ToArray();
}
