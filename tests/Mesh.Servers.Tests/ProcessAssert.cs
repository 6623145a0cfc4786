namespace Mesh.Servers.Tests;

internal static class ProcessAssert
{
    /// <summary>Fails unless every pid is gone (or a zombie) — checked by pid, as the issue asks.</summary>
    public static void AllGone(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            var alive = false;
            if (File.Exists($"/proc/{pid}/stat"))
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                alive = stat[(stat.LastIndexOf(')') + 2)] != 'Z';
            }
            Assert.False(alive, $"process {pid} is still running after stop");
        }
    }

    /// <summary>
    /// Fails unless every process naming <paramref name="text"/> is gone within <paramref name="grace"/>. A server's
    /// helper processes (RabbitMQ's erl_child_setup, inet_gethost) notice their parent's exit on their own, a moment
    /// after it: a leak stays past any grace, a helper on its way out does not.
    /// </summary>
    public static async Task NoneMentioningAsync(string text, TimeSpan grace)
    {
        var until = DateTime.UtcNow + grace;
        List<int> left;
        while ((left = ProcessesMentioning(text)).Count > 0 && DateTime.UtcNow < until) await Task.Delay(100);
        Assert.True(left.Count == 0, $"processes still running: {string.Join(", ", left.Select(Describe))}");
    }

    private static string Describe(int pid)
    {
        try { return $"{pid} ({File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()})"; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return pid.ToString(); }
    }

    /// <summary>
    /// Processes whose environment or command line names <paramref name="text"/> (a test's own data
    /// directory): how a test finds every process a server consists of without knowing their pids.
    /// </summary>
    public static List<int> ProcessesMentioning(string text)
    {
        var found = new List<int>();
        foreach (var proc in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(proc), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllText(System.IO.Path.Combine(proc, "environ")).Contains(text, StringComparison.Ordinal) ||
                    File.ReadAllText(System.IO.Path.Combine(proc, "cmdline")).Contains(text, StringComparison.Ordinal))
                    found.Add(pid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        return found;
    }
}
