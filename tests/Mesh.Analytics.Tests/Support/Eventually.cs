namespace Mesh.Analytics.Tests.Support;

/// <summary>Polls for an eventual state (the stream consumer catching up) with a generous hang guard — never a timing assertion.</summary>
public static class Eventually
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(HangGuard);
        var last = await read();
        while (!done(last))
        {
            try { await Task.Delay(100, cts.Token); }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"Still waiting for {what} after {HangGuard.TotalSeconds:0} s; last seen: {last}");
            }
            last = await read();
        }
        return last;
    }
}
