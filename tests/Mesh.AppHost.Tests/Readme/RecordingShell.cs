using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Mesh.AppHost.Tests.Readme;

/// <summary>One curl command the script ran, as the server answered it.</summary>
public sealed record CurlCall(IReadOnlyList<string> Arguments, string Method, Uri Url, int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The request body (<c>-d</c>), or null.</summary>
    public string? RequestBody => Arguments.Zip(Arguments.Skip(1)).FirstOrDefault(p => p.First is "-d" or "--data" or "--data-raw").Second;

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public override string ToString() => $"{Method} {Url.PathAndQuery} → {Status}: {(Body.Length > 600 ? Body[..600] + "…" : Body)}";
}

/// <summary>What a script run left: its exit code and output, and every curl call it made, in the order they started.</summary>
public sealed record ShellRun(int ExitCode, string Output, string Errors, IReadOnlyList<CurlCall> Calls)
{
    public override string ToString() =>
        $"exit {ExitCode}\n--- calls\n{string.Join('\n', Calls)}\n--- stdout\n{Output}\n--- stderr\n{Errors}";
}

/// <summary>
/// Runs a bash script as written, with one addition before it: a shell function <c>curl</c> that calls the real curl
/// with the same arguments and also keeps a copy of each call's arguments, response headers and body. The script's
/// own pipelines (<c>| jq …</c>) see exactly what curl printed. Background jobs (<c>curl -N … &amp;</c>) are waited for
/// before the script ends, so a stream that does not end keeps the run from ending.
/// </summary>
public static class RecordingShell
{
    // `set -e -o pipefail`: a README command that fails (jq on an error body, a missing tool) stops the run there.
    private const string Prologue = """
        set -e -o pipefail
        curl() {
          local record
          record="$MESH_CURL_RECORDS/$(date +%s%N)-$BASHPID"
          printf '%s\0' "$@" > "$record.args"
          command curl --silent --show-error --dump-header "$record.headers" "$@" | tee "$record.body"
        }

        """;

    private const string Epilogue = "\nwait\n";

    public static async Task<ShellRun> RunAsync(string script, TimeSpan hangGuard, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("mesh-readme-").FullName;
        try
        {
            var records = Directory.CreateDirectory(Path.Combine(directory, "calls")).FullName;
            var file = Path.Combine(directory, "walkthrough.sh");
            await File.WriteAllTextAsync(file, Prologue + script + Epilogue, ct);
            var psi = new ProcessStartInfo("bash", [file])
            {
                WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true,
                Environment = { ["MESH_CURL_RECORDS"] = records },
            };
            using var process = Process.Start(psi)!;
            var output = process.StandardOutput.ReadToEndAsync(ct);
            var errors = process.StandardError.ReadToEndAsync(ct);
            using var guard = CancellationTokenSource.CreateLinkedTokenSource(ct);
            guard.CancelAfter(hangGuard);
            try
            {
                await process.WaitForExitAsync(guard.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"The script did not end within {hangGuard} (a stream that never ends?).\n" +
                    new ShellRun(-1, "", "", Read(records)));
            }
            return new ShellRun(process.ExitCode, await output, await errors, Read(records));
        }
        finally
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static List<CurlCall> Read(string records) =>
        [.. Directory.GetFiles(records, "*.args").Order(StringComparer.Ordinal).Select(args => ReadCall(args[..^".args".Length]))];

    private static CurlCall ReadCall(string record)
    {
        var arguments = File.ReadAllText(record + ".args").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var url = new Uri(arguments.First(a => a.StartsWith("http", StringComparison.Ordinal)));
        var explicitMethod = arguments.Zip(arguments.Skip(1)).FirstOrDefault(p => p.First is "-X" or "--request").Second;
        var method = explicitMethod ?? (arguments.Any(a => a is "-d" or "--data" or "--data-raw") ? "POST" : "GET");
        var (status, headers) = ParseHeaders(File.Exists(record + ".headers") ? File.ReadAllText(record + ".headers") : "");
        var body = File.Exists(record + ".body") ? File.ReadAllText(record + ".body", Encoding.UTF8) : "";
        return new CurlCall(arguments, method, url, status, headers, body);
    }

    /// <summary>The last status line's code (an interim 100 Continue comes first) and that response's headers.</summary>
    private static (int Status, Dictionary<string, string> Headers) ParseHeaders(string text)
    {
        var status = 0;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in text.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (line.StartsWith("HTTP/", StringComparison.Ordinal))
            {
                status = int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                headers.Clear();
            }
            else if (line.IndexOf(':') is > 0 and var colon)
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return (status, headers);
    }
}
