using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mesh.Servers;
using Npgsql;

namespace Mesh.Benchmarks.Booking;

/// <summary>
/// <c>--replay</c>: pgbench replaying exactly the statements one booking issues, on the same PostgreSQL server in the
/// same run — the floor the booking rate is compared with (issue #15: booking ≥ 0.5× that floor).
/// <para>
/// Which statements, how often: pg_stat_statements over the measured window (<see cref="StatementMix"/>), calls per
/// confirmed booking per statement of bookingdb and paymentdb — requests, outbox relays, inbox consumers, workers.
/// Their real text and parameter values: after the window, with the services still running, PostgreSQL logs every
/// statement (<c>log_statement = all</c>, reloaded, no restart) while the driver makes two bookings, one after the
/// other, for the same customer; each capture lasts until the relays and consumers have handled the booking's
/// messages. The second capture is the template. Every UUID in it that the first capture also has (the customer, the
/// card, the show, ledger accounts…), or that no INSERT of the second capture writes (rows of other bookings a worker
/// happens to read), stays as it is; every other one (hold, booking, seat, tickets, payment, idempotency key, outbox
/// messages…) is replaced by a fresh <c>gen_random_uuid()</c> per replayed booking, the same
/// fresh value wherever the original appeared, inside JSON payloads too — so each replay inserts its own rows and
/// later statements find them, as the real booking does.
/// </para>
/// <para>
/// Script per database: the captured transactions in order (BEGIN … COMMIT as captured, autocommitted statements on
/// their own). One that works on the booking's own new rows runs in every replay; any other (an outbox relay's batch,
/// a worker's poll; one of each shape) is weighted by its calls per booking under load ÷ times kept, so a relay batch (~0.02 per
/// booking under load) runs in about 1 replay in 50 and statements the load never issued are left out. Parameters stay parameters where they carry a fresh UUID
/// (pgbench variables set by one <c>\gset</c> query at the start of each replay: the only statement the booking does
/// not issue); the others are inlined as untyped literals. pgbench runs each script with <c>-M prepared</c>
/// (statements prepared once per connection, like Npgsql's auto-prepare) against its own database, one after the
/// other; the floor in bookings/s is the rate at which the machine can run both halves: 1 / (1/tps(bookingdb) +
/// 1/tps(paymentdb)).
/// </para>
/// </summary>
public static partial class StatementReplay
{
    public sealed record Logged(string Db, int Pid, string Sql, IReadOnlyList<string?> Parameters);

    public sealed record MixEntry(string Db, double CallsPerBooking, string Query);

    public sealed record Result(double Floor, double BookingTps, double PaymentTps, string Summary);

    /// <summary>A customer of the load and their saved card: each pgbench client replays as one of them, as each load client booked as its own.</summary>
    public sealed record Identity(string Customer, string Card);

    private static readonly string[] Databases = ["bookingdb", "paymentdb"];

    /// <summary>Waits (up to <paramref name="limit"/>) until both outboxes are sent and booking's inbox stops growing: the load's backlog is handled.</summary>
    public static async Task WaitUntilQuietAsync(PostgresServer postgres, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        long lastInbox = -1;
        while (DateTime.UtcNow < deadline)
        {
            long unsent = 0, inbox = 0;
            foreach (var db in Databases)
            {
                await using var connection = new NpgsqlConnection(postgres.ConnectionStringFor(db));
                await connection.OpenAsync();
                await using var count = new NpgsqlCommand(db == "bookingdb"
                    ? "SELECT (SELECT count(*) FROM mesh_outbox WHERE sent_at IS NULL), (SELECT count(*) FROM mesh_inbox)"
                    : "SELECT (SELECT count(*) FROM mesh_outbox WHERE sent_at IS NULL), 0::bigint", connection);
                await using var reader = await count.ExecuteReaderAsync();
                await reader.ReadAsync();
                unsent += reader.GetInt64(0);
                inbox += reader.GetInt64(1);
            }
            if (unsent == 0 && inbox == lastInbox) return;
            lastInbox = inbox;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Runs <paramref name="booking"/> with every statement logged until <paramref name="settle"/> after it; returns what bookingdb and paymentdb ran.</summary>
    public static async Task<List<Logged>> CaptureAsync(PostgresServer postgres, string logFile, Func<Task> booking, TimeSpan settle)
    {
        var offset = new FileInfo(logFile).Length;
        await ExecuteAsync(postgres, "ALTER SYSTEM SET log_statement = 'all'", "ALTER SYSTEM SET log_line_prefix = '@@%p@%d@ '", "SELECT pg_reload_conf()");
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300));   // every backend rereads the configuration before its next command
            await booking();
            await Task.Delay(settle);
        }
        finally
        {
            await ExecuteAsync(postgres, "ALTER SYSTEM RESET log_statement", "ALTER SYSTEM RESET log_line_prefix", "SELECT pg_reload_conf()");
            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }
        await using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return Parse(await reader.ReadToEndAsync());
    }

    /// <summary>Builds the two scripts, runs pgbench on each, and describes what was replayed.</summary>
    public static async Task<Result> RunAsync(PostgresServer postgres, string workDir, List<Logged> first, List<Logged> template,
        IReadOnlyList<MixEntry> mix, Identity captured, IReadOnlyList<Identity> identities, int clients, int seconds)
    {
        // The booking's own new rows: UUIDs an INSERT of the template writes that the first booking did not have.
        // Everything else (customer, card, show, rows of other bookings a worker looks at) stays as captured.
        var seenBefore = first.SelectMany(s => s.Parameters).SelectMany(Uuids).ToHashSet(StringComparer.Ordinal);
        var created = template.Where(s => FirstWord(s.Sql) == "INSERT" || s.Sql.Contains("INSERT INTO", StringComparison.OrdinalIgnoreCase))
            .SelectMany(s => s.Parameters).SelectMany(Uuids).Where(u => !seenBefore.Contains(u)).ToHashSet(StringComparer.Ordinal);
        var constants = first.Concat(template).SelectMany(s => s.Parameters).SelectMany(Uuids).Where(u => !created.Contains(u)).ToHashSet(StringComparer.Ordinal);
        var summary = new StringBuilder();
        var tps = new Dictionary<string, double>();
        foreach (var db in Databases)
        {
            var (script, description, mixReport) = BuildScript(db, template.Where(s => s.Db == db).ToList(), first.Where(s => s.Db == db).ToList(), constants,
                mix.Where(m => m.Db == db).ToList(), captured, identities);
            var file = Path.Combine(workDir, $"replay-{db}.sql");
            await File.WriteAllTextAsync(file, script);
            await File.WriteAllTextAsync(Path.Combine(workDir, $"mix-{db}.txt"), mixReport);
            summary.Append(description);
            // One replay first, alone: a statement pgbench cannot run fails here with PostgreSQL's own message.
            await PgbenchAsync(postgres, db, ["-n", "-M", "prepared", "-c", "1", "-t", "1", "-f", file]);
            var output = await PgbenchAsync(postgres, db, ["-n", "-M", "prepared", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2",
                "-T", seconds.ToString(CultureInfo.InvariantCulture), "-f", file]);
            tps[db] = double.Parse(TpsLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var latency = LatencyLine().Match(output).Groups[1].Value;
            summary.AppendLine(CultureInfo.InvariantCulture,
                $"    pgbench -n -M prepared -c {clients} -j 2 -T {seconds} -f replay-{db}.sql {db}: {tps[db]:F0} replays/s (average latency {latency} ms); script kept in {file}");
        }
        var floor = 1 / (1 / tps["bookingdb"] + 1 / tps["paymentdb"]);
        return new Result(floor, tps["bookingdb"], tps["paymentdb"], summary.ToString());
    }

    // ---- the log ----

    /// <summary>Statements of bookingdb and paymentdb from PostgreSQL's stderr log with log_line_prefix '@@%p@%d@ '.</summary>
    public static List<Logged> Parse(string log)
    {
        var statements = new List<Logged>();
        var pending = new List<(string Db, int Pid, StringBuilder Sql, StringBuilder? Detail)>();
        (string Db, int Pid, StringBuilder Sql, StringBuilder? Detail)? current = null;
        var inDetail = false;
        foreach (var line in log.Split('\n'))
        {
            var m = PrefixLine().Match(line);
            if (!m.Success)
            {
                if (current is { } open) (inDetail ? open.Detail! : open.Sql).Append('\n').Append(line);
                continue;
            }
            var (pid, db, level, text) = (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value);
            inDetail = false;
            if (level == "LOG" && StatementText().Match(text) is { Success: true } s && Databases.Contains(db))
            {
                current = (db, pid, new StringBuilder(s.Groups[1].Value), null);
                pending.Add(current.Value);
            }
            else if (level == "DETAIL" && text.StartsWith("parameters: ", StringComparison.Ordinal) && current is { } c && c.Pid == pid)
            {
                var withDetail = c with { Detail = new StringBuilder(text["parameters: ".Length..]) };
                pending[^1] = withDetail;
                current = withDetail;
                inDetail = true;
            }
            else current = null;
        }
        foreach (var (db, pid, sql, detail) in pending)
            statements.Add(new Logged(db, pid, sql.ToString().TrimEnd(), detail is null ? [] : ParseParameters(detail.ToString())));
        return statements;
    }

    /// <summary>"$1 = 'a''b', $2 = NULL" → ["a'b", null].</summary>
    internal static List<string?> ParseParameters(string text)
    {
        var values = new SortedDictionary<int, string?>();
        var i = 0;
        while (i < text.Length)
        {
            var m = ParameterStart().Match(text, i);
            if (!m.Success || m.Index != i) break;
            var n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            i = m.Index + m.Length;
            if (string.CompareOrdinal(text, i, "NULL", 0, 4) == 0) { values[n] = null; i += 4; }
            else if (i < text.Length && text[i] == '\'')
            {
                var value = new StringBuilder();
                i++;
                while (i < text.Length)
                {
                    if (text[i] == '\'' && i + 1 < text.Length && text[i + 1] == '\'') { value.Append('\''); i += 2; }
                    else if (text[i] == '\'') { i++; break; }
                    else value.Append(text[i++]);
                }
                values[n] = value.ToString();
            }
            else throw new FormatException($"unexpected parameter text at {i}: {text[i..Math.Min(text.Length, i + 40)]}");
            while (i < text.Length && (text[i] == ',' || text[i] == ' ')) i++;
        }
        return values.Count == 0 ? [] : Enumerable.Range(1, values.Keys.Max()).Select(k => values.GetValueOrDefault(k)).ToList();
    }

    // ---- the script ----

    private sealed record Transaction(int Order, List<Logged> Statements);

    internal static (string Script, string Description, string MixReport) BuildScript(string db, List<Logged> captured, List<Logged> firstCapture,
        HashSet<string> constants, List<MixEntry> mix, Identity identity, IReadOnlyList<Identity> identities)
    {
        // The captured customer and card become the pgbench client's own (variables c_customer, c_card).
        var perClient = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [identity.Customer.ToLowerInvariant()] = "c_customer", [identity.Card.ToLowerInvariant()] = "c_card",
        };
        var transactions = Transactions(captured, 0);
        var callsPerBooking = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var m in mix) callsPerBooking[Key(m.Query)] = callsPerBooking.GetValueOrDefault(Key(m.Query)) + m.CallsPerBooking;
        // A worker that happened to run during the first capture but not the second (a periodic sweep): its
        // transactions from the first capture, so every statement of the mix has a captured form.
        var inTemplate = captured.Select(s => Key(s.Sql)).ToHashSet(StringComparer.Ordinal);
        transactions.AddRange(Transactions(firstCapture, captured.Count).Where(t => t.Statements.Any(s =>
            !IsControl(s.Sql) && !inTemplate.Contains(Key(s.Sql)) && callsPerBooking.ContainsKey(Key(s.Sql)))));


        var fresh = new Dictionary<string, string>(StringComparer.Ordinal);      // original uuid → u-variable
        var composite = new List<(string Variable, string Value)>();            // parameters with fresh uuids inside
        // A transaction that works on the booking's own rows (a parameter carries one of its fresh UUIDs: the hold,
        // the booking, the payment, its outbox message in the consumer's inbox…) is that booking's work: it runs once
        // per replay. Any other (an outbox relay's batch, a sweeper's poll) runs as often per booking as under load:
        // its calls per booking in pg_stat_statements ÷ times it is kept. Of several captured transactions of the same
        // shape (a sweep's 700 identical SELECTs) one is kept. Calls per booking are scaled by the booking's own
        // statements' median, since the window's counts include bookings that straddle its edges.
        bool OwnWork(Transaction tx) => tx.Statements.Any(s => s.Parameters.Any(p => Uuids(p).Any(u => !constants.Contains(u))));
        var own = transactions.Where(OwnWork).ToHashSet();
        string Shape(Transaction tx) => string.Join(" ; ", tx.Statements.Select(s => Key(s.Sql)));
        // The same statements for other bookings' rows (a worker's lookups of other payments) are already in the
        // booking's own work: left out.
        var ownKeys = own.SelectMany(t => t.Statements).Where(s => !IsControl(s.Sql)).Select(s => Key(s.Sql)).ToHashSet(StringComparer.Ordinal);
        transactions = transactions.Where(own.Contains)
            .Concat(transactions.Where(t => !own.Contains(t) && !t.Statements.Where(s => !IsControl(s.Sql)).All(s => ownKeys.Contains(Key(s.Sql))))
                .GroupBy(Shape).Select(g => g.First()))
            .OrderBy(t => t.Order).ToList();
        var timesCaptured = transactions.Where(t => !own.Contains(t)).SelectMany(t => t.Statements).GroupBy(s => Key(s.Sql))
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var ownCalls = own.SelectMany(t => t.Statements).Where(s => !IsControl(s.Sql))
            .Select(s => callsPerBooking.GetValueOrDefault(Key(s.Sql))).Where(c => c > 0).Order().ToList();
        var scale = ownCalls.Count == 0 ? 1 : ownCalls[ownCalls.Count / 2];
        var body = new StringBuilder();
        double statementsPerReplay = 0, workPerReplay = 0;
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tx in transactions.OrderBy(t => t.Order))
        {
            var work = tx.Statements.Where(s => !IsControl(s.Sql)).ToList();
            var weight = own.Contains(tx) ? 1
                : work.Count == 0 ? 0 : Math.Min(1, work.Max(s => callsPerBooking.GetValueOrDefault(Key(s.Sql)) / scale / timesCaptured[Key(s.Sql)]));
            if (weight < 0.005) continue;
            foreach (var s in work) kept.Add(Key(s.Sql));
            statementsPerReplay += weight * tx.Statements.Count;
            workPerReplay += weight * work.Count;
            var always = weight >= 0.995;
            if (!always)
            {
                body.AppendLine(CultureInfo.InvariantCulture, $"\\set r{tx.Order} random(1, 1000000)");
                body.AppendLine(CultureInfo.InvariantCulture, $"\\if :r{tx.Order} <= {(int)Math.Round(weight * 1_000_000)}");
            }
            foreach (var s in tx.Statements) body.Append(Render(s, constants, perClient, fresh, composite)).AppendLine(";");
            if (!always) body.AppendLine("\\endif");
        }

        var script = new StringBuilder();
        script.AppendLine(CultureInfo.InvariantCulture, $"-- One booking's statements on {db}, replayed (tests/Mesh.Benchmarks/Booking/StatementReplay.cs).");
        {
            var columns = fresh.Values.Select(u => u)
                .Concat(composite.Select(c => $"{ReplaceChain(c.Value, fresh)} AS {c.Variable}"))
                .Append("c.customer AS c_customer").Append("c.card AS c_card");
            var generated = fresh.Count == 0 ? "1 AS nothing" : string.Join(", ", fresh.Values.Select(u => $"gen_random_uuid()::text AS {u}"));
            var who = string.Join(", ", identities.Select((c, n) => $"({n}, '{c.Customer}', '{c.Card}')"));
            script.AppendLine(CultureInfo.InvariantCulture,
                $"SELECT {string.Join(", ", columns)} FROM (SELECT {generated}) AS fresh, (VALUES {who}) AS c(n, customer, card) WHERE c.n = :client_id % {identities.Count} \\gset");
        }
        script.Append(body);

        var mixTotal = mix.Sum(m => m.CallsPerBooking) / scale;
        // Statements of trigger bodies (NEW./OLD.) run inside the replayed statements' triggers.
        var missing = mix.Where(m => m.CallsPerBooking / scale >= 0.01 && !kept.Contains(Key(m.Query)) && !IsControl(m.Query)
            && !m.Query.Contains("NEW.", StringComparison.Ordinal) && !m.Query.Contains("OLD.", StringComparison.Ordinal)).ToList();
        var mixReport = new StringBuilder();
        foreach (var m in mix.OrderByDescending(m => m.CallsPerBooking))
            mixReport.AppendLine(CultureInfo.InvariantCulture, $"{(kept.Contains(Key(m.Query)) ? "replayed" : "not     ")} {m.CallsPerBooking / scale,8:F3}/booking  key: {Key(m.Query)}");
        mixReport.AppendLine("-- captured keys:");
        foreach (var k in timesCaptured) mixReport.AppendLine(CultureInfo.InvariantCulture, $"{k.Value,4}  {k.Key}");
        var description = new StringBuilder();
        description.AppendLine(CultureInfo.InvariantCulture,
            $"    {db}: {captured.Count} statements captured in {transactions.Count} transactions; a replay runs {statementsPerReplay:F1} statements on average " +
            $"({workPerReplay:F1} besides BEGIN/COMMIT; pg_stat_statements under load: {mixTotal:F1} per booking, BEGIN/COMMIT included, " +
            $"counts scaled by {scale:F2}), " +
            $"{fresh.Count} fresh UUIDs per replay");
        foreach (var m in missing)
            description.AppendLine(CultureInfo.InvariantCulture, $"      not replayed (not in the capture): {m.CallsPerBooking / scale:F2}/booking  {Shorten(m.Query)}");
        return (script.ToString(), description.ToString(), mixReport.ToString());
    }

    /// <summary>Transactions per backend, in the order they began (BEGIN … COMMIT/ROLLBACK; other statements alone).</summary>
    private static List<Transaction> Transactions(List<Logged> statements, int orderBase)
    {
        var transactions = new List<Transaction>();
        var open = new Dictionary<int, Transaction>();
        for (var i = 0; i < statements.Count; i++)
        {
            var s = statements[i];
            var verb = FirstWord(s.Sql);
            if (open.TryGetValue(s.Pid, out var tx))
            {
                tx.Statements.Add(s);
                if (verb is "COMMIT" or "END" or "ROLLBACK") open.Remove(s.Pid);
            }
            else if (verb is "BEGIN" or "START")
            {
                tx = new Transaction(orderBase + i, [s]);
                transactions.Add(tx);
                open[s.Pid] = tx;
            }
            else transactions.Add(new Transaction(orderBase + i, [s]));
        }
        return transactions;
    }

    private static string Render(Logged s, HashSet<string> constants, Dictionary<string, string> perClient, Dictionary<string, string> fresh,
        List<(string Variable, string Value)> composite) =>
        Placeholder().Replace(s.Sql, m =>
        {
            var n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            if (n > s.Parameters.Count) return m.Value;
            var value = s.Parameters[n - 1];
            if (value is null) return "NULL";
            if (perClient.TryGetValue(value.ToLowerInvariant(), out var own)) return $":{own}";
            var remapped = Uuids(value).Where(u => !constants.Contains(u)).Distinct().ToList();
            if (remapped.Count == 0) return $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";
            foreach (var u in remapped)
                if (!fresh.ContainsKey(u)) fresh[u] = $"u{fresh.Count + 1}";
            if (remapped.Count == 1 && value == remapped[0]) return $":{fresh[value]}";
            var variable = $"v{composite.Count + 1}";
            composite.Add((variable, value));
            return $":{variable}";
        });

    private static string ReplaceChain(string value, Dictionary<string, string> fresh)
    {
        var expression = $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";
        foreach (var u in Uuids(value).Distinct())
            if (fresh.TryGetValue(u, out var variable)) expression = $"replace({expression}, '{u}', {variable})";
        return expression;
    }

    private static IEnumerable<string> Uuids(string? value) =>
        value is null ? [] : UuidPattern().Matches(value).Select(m => m.Value.ToLowerInvariant());

    private static bool IsControl(string sql) => FirstWord(sql) is "BEGIN" or "START" or "COMMIT" or "END" or "ROLLBACK" or "SAVEPOINT" or "RELEASE";

    private static string FirstWord(string sql)
    {
        var trimmed = sql.TrimStart();
        var end = 0;
        while (end < trimmed.Length && char.IsLetter(trimmed[end])) end++;
        return trimmed[..end].ToUpperInvariant();
    }

    /// <summary>A statement's identity across pg_stat_statements and the log: literals and placeholders as ?, whitespace collapsed.</summary>
    internal static string Key(string sql)
    {
        var text = Literal().Replace(sql, "?");
        text = Placeholder().Replace(text, "?");
        text = Number().Replace(text, "?");
        return Whitespace().Replace(text, " ").Trim().TrimEnd(';').Trim();
    }

    private static string Shorten(string query)
    {
        var q = Whitespace().Replace(query, " ").Trim();
        return q.Length > 120 ? q[..120] + "…" : q;
    }

    // ---- PostgreSQL and pgbench ----

    private static async Task ExecuteAsync(PostgresServer postgres, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task<string> PgbenchAsync(PostgresServer postgres, string db, string[] args)
    {
        var pgbench = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pgbench")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("pgbench not found under /usr/lib/postgresql/*/bin (Debian package postgresql)");
        var all = args.Concat(["-h", "127.0.0.1", "-p", postgres.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", db]).ToArray();
        var start = new ProcessStartInfo(pgbench, all) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await stdout;
        var errors = await stderr;
        if (process.ExitCode != 0 || errors.Contains("error", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"pgbench {string.Join(' ', all)} failed ({process.ExitCode}): {errors}");
        return text;
    }

    [GeneratedRegex(@"^@@(\d+)@([^@]*)@ (LOG|DETAIL|ERROR|STATEMENT|HINT|CONTEXT|WARNING|NOTICE|FATAL|PANIC):  (.*)$")]
    private static partial Regex PrefixLine();

    [GeneratedRegex(@"^(?:execute [^:]*|statement): (.*)$", RegexOptions.Singleline)]
    private static partial Regex StatementText();

    [GeneratedRegex(@"\$(\d+) = ")]
    private static partial Regex ParameterStart();

    [GeneratedRegex(@"\$(\d+)(?!\d)")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"'(?:[^']|'')*'")]
    private static partial Regex Literal();

    [GeneratedRegex(@"(?<![\w$])\d+(?:\.\d+)?\b")]
    private static partial Regex Number();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex UuidPattern();

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"latency average = ([0-9.]+) ms")]
    private static partial Regex LatencyLine();
}
