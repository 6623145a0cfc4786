using System.Globalization;

namespace Mesh.Benchmarks.Booking;

/// <summary>
/// CPU seconds used so far by one PostgreSQL server: the postmaster and its live backends (utime + stime from
/// /proc), plus what its exited children used (the postmaster's cutime + cstime), so a window's difference covers
/// every backend that ran in it. Read from procfs; the postmaster's pid is the first line of postmaster.pid.
/// </summary>
public sealed class PostgresCpu(string dataDirectory)
{
    private readonly double _ticksPerSecond = 100; // USER_HZ; 100 on every Linux this runs on

    public double Seconds()
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            var fields = Fields(pid);
            if (fields is null) continue;
            // After the ")" that ends comm: [0]=state [1]=ppid … [11]=utime [12]=stime [13]=cutime [14]=cstime.
            if (pid == postmaster) ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                                          + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            else if (fields[1] == postmaster.ToString(CultureInfo.InvariantCulture))
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        return ticks / _ticksPerSecond;
    }

    private static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException) { return null; }            // exited meanwhile
        catch (UnauthorizedAccessException) { return null; }
    }
}
