using System.Diagnostics;
using System.Text;

namespace Mesh.Grpc.Interop.Tests;

/// <summary>
/// A child process with its stdout and stderr collected (for failure messages). Disposing it kills the
/// whole process tree if it is still running, so no test leaves a server behind.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Action<string>? _onStdoutLine;

    private ChildProcess(Process process, Action<string>? onStdoutLine)
    {
        _process = process;
        _onStdoutLine = onStdoutLine;
    }

    public string CommandLine => $"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}";
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory, Action<string>? onStdoutLine = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        // The child is a plain console program, not a test host or a dev-time web app.
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("DOTNET_URLS");

        var child = new ChildProcess(new Process { StartInfo = info, EnableRaisingEvents = true }, onStdoutLine);
        child._process.OutputDataReceived += (_, e) => child.OnLine(child._stdout, e.Data, isStdout: true);
        child._process.ErrorDataReceived += (_, e) => child.OnLine(child._stderr, e.Data, isStdout: false);
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for exit; false if it is still running after the guard time.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan guard, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(guard);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            // The parameterless wait also drains the redirected output to its end.
            _process.WaitForExit();
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Everything the process wrote so far, for an assertion message.</summary>
    public string Output()
    {
        lock (_stdout) lock (_stderr)
            return $"$ {CommandLine}\n--- stdout ---\n{_stdout}--- stderr ---\n{_stderr}";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (TimeoutException)
        {
            // Killed but not reaped in time; nothing more we can do from here.
        }
        _process.Dispose();
    }

    private void OnLine(StringBuilder sink, string? line, bool isStdout)
    {
        if (line is null) return;
        lock (sink) sink.AppendLine(line);
        if (isStdout) _onStdoutLine?.Invoke(line);
    }
}
