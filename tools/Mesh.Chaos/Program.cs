// `./mesh chaos`: the mixed workload with faults injected through the app host, then the invariants; exit code 0 only
// when every invariant holds. Options: --duration S --ramp S --rate N --max-vus N --faults kill,broker,database,pause
// (or none) --pause S --settle S --customers N --cancel-share F --seed N --skip-outbox TYPE (the planted fault the tests use).
using Mesh.Chaos;

var options = new ChaosOptions();
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    options = args[i] switch
    {
        "--duration" => options with { DurationSeconds = int.Parse(Next()) },
        "--ramp" => options with { RampSeconds = int.Parse(Next()) },
        "--rate" => options with { Rate = int.Parse(Next()) },
        "--max-vus" => options with { MaxVirtualUsers = int.Parse(Next()) },
        "--faults" => options with { Faults = Next() is "none" ? [] : args[i].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ParseFault).ToList() },
        "--pause" => options with { PauseFor = TimeSpan.FromSeconds(int.Parse(Next())) },
        "--settle" => options with { SettleWithin = TimeSpan.FromSeconds(int.Parse(Next())) },
        "--customers" => options with { Customers = int.Parse(Next()) },
        "--cancel-share" => options with { CancelShare = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
        "--seed" => options with { Seed = int.Parse(Next()) },
        "--skip-outbox" => options with { SkipOutboxType = Next() },
        _ => throw new ArgumentException($"unknown option {args[i]}"),
    };
}

var root = Environment.GetEnvironmentVariable("MESH_ROOT") ?? Directory.GetCurrentDirectory();
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var report = await ChaosRun.RunAsync(options, root, cancel.Token);

foreach (var line in report.LoadSummary.Take(3)) Console.WriteLine(line);
foreach (var fault in report.FaultsInjected) Console.WriteLine("fault   " + fault);
foreach (var fault in report.FaultsNotHealed) Console.WriteLine("NOT HEALED " + fault);
foreach (var result in report.Invariants) Console.WriteLine($"{(result.Holds ? "HOLDS " : "BROKEN")}  {result.Name}: {result.Figure}");
Console.WriteLine(report.Passed ? "chaos: every invariant holds" : report.LoadExitCode != 0 ? $"chaos: the workload failed ({report.LoadExitCode})"
    : report.FaultsNotHealed.Count > 0 ? "chaos: a fault did not heal" : "chaos: invariants broken");
return report.Passed ? 0 : 1;

static FaultKind ParseFault(string name) => name switch
{
    "kill" => FaultKind.KillService,
    "broker" => FaultKind.RestartBroker,
    "database" => FaultKind.RestartDatabase,
    "pause" => FaultKind.PauseService,
    _ => throw new ArgumentException($"unknown fault {name} (kill, broker, database, pause)"),
};
