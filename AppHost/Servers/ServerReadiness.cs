using Mesh.Servers.Processes;

namespace Mesh.Servers;

/// <summary>Waits for a just-started server to answer, failing fast if it exits or takes too long.</summary>
internal static class ServerReadiness
{
    public static async Task WaitAsync(ChildProcess process, Func<CancellationToken, Task<bool>> probe, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? lastError = null;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (!process.IsRunning)
            {
                await process.WaitForExitAsync(TimeSpan.FromSeconds(5)); // its last output is in the log
                throw new ServerStartException(process.Name, $"the process exited with code {process.ExitCode} before it was ready", process.Log.ToString());
            }
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                if (await probe(attempt.Token)) return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                lastError = ex;
            }
            if (DateTime.UtcNow > deadline)
                throw new ServerStartException(process.Name,
                    $"not ready after {timeout.TotalSeconds:0} s" + (lastError is null ? "" : $" (last probe error: {lastError.Message})"),
                    process.Log.ToString());
            await Task.Delay(100, ct);
        }
    }

    /// <summary>Runs a short-lived helper command to completion; a non-zero exit is an error naming the server.</summary>
    public static async Task RunToCompletionAsync(ChildProcessSpec spec, TimeSpan timeout, CancellationToken ct)
    {
        var process = ChildProcess.Start(spec);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        try
        {
            await process.Exited.WaitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            await process.StopAsync(TimeSpan.FromSeconds(1));
            throw new ServerStartException(spec.Name, $"'{spec.FileName}' did not finish within {timeout.TotalSeconds:0} s", process.Log.ToString());
        }
        var tail = process.Log.ToString();
        await process.StopAsync(TimeSpan.Zero);
        if (process.ExitCode != 0)
            throw new ServerStartException(spec.Name, $"'{spec.FileName} {string.Join(' ', spec.Arguments)}' exited with code {process.ExitCode}", tail);
    }
}
