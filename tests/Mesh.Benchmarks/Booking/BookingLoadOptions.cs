using System.Globalization;

namespace Mesh.Benchmarks.Booking;

/// <summary>The flags of <c>booking-load</c> (--name value pairs); defaults in the property initialisers.</summary>
public sealed class BookingLoadOptions
{
    /// <summary>Measured seconds of hold → checkout (after the warm-up).</summary>
    public int Seconds { get; private set; } = 20;
    /// <summary>Unmeasured seconds first: the tiered JIT was still recompiling hot code 35-47 s after start at 15 s (docs/performance.md 5a).</summary>
    public int WarmupSeconds { get; private set; } = 30;
    /// <summary>Clients (each its own user with its own card) running hold → checkout back to back.</summary>
    public int Concurrency { get; private set; } = 32;
    /// <summary>pgbench clients for the bare "take seat if free" UPDATE (same PostgreSQL, same run, after the booking load).</summary>
    public int PgbenchClients { get; private set; } = 32;
    public int PgbenchSeconds { get; private set; } = 15;
    /// <summary>Where servers keep data and logs (deleted at the end) and where the result file goes.</summary>
    public string WorkDir { get; private set; } = Path.Combine(".mesh", "bench");
    /// <summary>--statements: pg_stat_statements over the measured window, per confirmed booking (see <see cref="StatementMix"/>).</summary>
    public bool Statements { get; private set; }
    /// <summary>On unless --no-replay: pgbench replaying one booking's statements (<see cref="StatementReplay"/>); needs --statements' pg_stat_statements, so it turns that on.</summary>
    public bool Replay { get; private set; } = true;

    public static BookingLoadOptions Parse(string[] args)
    {
        var options = new BookingLoadOptions();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (args[i] == "--statements") { options.Statements = true; i--; continue; }
            if (args[i] == "--no-replay") { options.Replay = false; i--; continue; }
            if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
            var value = args[i + 1];
            switch (args[i])
            {
                case "--seconds": options.Seconds = Positive(args[i], value); break;
                case "--warmup": options.WarmupSeconds = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--concurrency": options.Concurrency = Positive(args[i], value); break;
                case "--pgbench-clients": options.PgbenchClients = Positive(args[i], value); break;
                case "--pgbench-seconds": options.PgbenchSeconds = Positive(args[i], value); break;
                case "--work": options.WorkDir = value; break;
                default: throw new ArgumentException($"unknown flag {args[i]}");
            }
        }
        if (options.Replay) options.Statements = true;
        return options;
    }

    private static int Positive(string flag, string value)
    {
        var n = int.Parse(value, CultureInfo.InvariantCulture);
        return n > 0 ? n : throw new ArgumentException($"{flag} must be at least 1");
    }
}
