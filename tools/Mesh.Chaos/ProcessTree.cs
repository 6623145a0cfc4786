using System.Globalization;

namespace Mesh.Chaos;

/// <summary>
/// Processes as /proc shows them. The app host starts a project resource as <c>dotnet run --no-build</c> and the
/// service as its child, and reports the wrapper's pid ("executable.pid"): a fault aimed at a service must reach the
/// child — killing the wrapper would leave the service running as an orphan, and stopping it would pause nothing.
/// </summary>
public static class ProcessTree
{
    private sealed record Entry(int Pid, int ParentPid, long CpuTicks);

    private const double TicksPerSecond = 100;   // USER_HZ on Linux

    /// <summary>The process that does the work under <paramref name="root"/>: its deepest descendant (the root itself when it has none).</summary>
    public static int Leaf(int root)
    {
        var children = Children(Snapshot());
        var current = root;
        while (children.TryGetValue(current, out var kids) && kids.Count > 0) current = kids.Min();
        return current;
    }

    /// <summary>The oldest direct child of <paramref name="parent"/> (a server under its stop wrapper); null when it has none.</summary>
    public static int? FirstChild(int parent) =>
        Children(Snapshot()).TryGetValue(parent, out var kids) && kids.Count > 0 ? kids.Min() : null;

    /// <summary>CPU seconds of a process and every live descendant, with what their exited children used (cutime, cstime).</summary>
    public static double CpuSeconds(int root)
    {
        var entries = Snapshot();
        var children = Children(entries);
        var ticks = entries.ToDictionary(e => e.Pid, e => e.CpuTicks);
        long total = 0;
        var stack = new Stack<int>([root]);
        while (stack.Count > 0)
        {
            var pid = stack.Pop();
            total += ticks.GetValueOrDefault(pid);
            if (children.TryGetValue(pid, out var kids)) foreach (var kid in kids) stack.Push(kid);
        }
        return total / TicksPerSecond;
    }

    private static Dictionary<int, List<int>> Children(IEnumerable<Entry> entries)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var e in entries) (children.TryGetValue(e.ParentPid, out var list) ? list : children[e.ParentPid] = []).Add(e.Pid);
        return children;
    }

    private static List<Entry> Snapshot()
    {
        var entries = new List<Entry>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }   // exited meanwhile
            catch (UnauthorizedAccessException) { continue; }
            // After the command name (in parentheses, may hold spaces): state ppid … utime stime cutime cstime (11–14).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            var cpu = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                      + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            entries.Add(new(pid, parent, cpu));
        }
        return entries;
    }
}
