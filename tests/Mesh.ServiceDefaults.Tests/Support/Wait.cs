namespace Mesh.ServiceDefaults.Tests.Support;

/// <summary>Polls until a condition holds. The timeout is a hang guard only, never an assertion about speed.</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var ct = TestContext.Current.CancellationToken;
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(ct);
        guard.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (guard.IsCancellationRequested) throw new TimeoutException($"Gave up waiting: {what}.");
            await Task.Delay(50, CancellationToken.None);
        }
    }
}
