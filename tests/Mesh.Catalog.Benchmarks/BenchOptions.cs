using System.Globalization;

namespace Mesh.Catalog.Benchmarks;

/// <summary>Command line: --shows N --seconds S --warmup S --concurrency C --searches N --out FILE.</summary>
public sealed record BenchOptions(int Shows, int Seconds, int Warmup, int Concurrency, int Searches, string? Out)
{
    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(Shows: 100_000, Seconds: 10, Warmup: 5, Concurrency: 32, Searches: 400, Out: null);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--shows" => options with { Shows = Int() },
                "--seconds" => options with { Seconds = Int() },
                "--warmup" => options with { Warmup = Int() },
                "--concurrency" => options with { Concurrency = Int() },
                "--searches" => options with { Searches = Int() },
                "--out" => options with { Out = Next() },
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }
        return options;
    }
}
