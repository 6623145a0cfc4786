namespace Mesh.AppHost;

/// <summary>Servers that were started, stopped together (in reverse order) when the host ends.</summary>
internal sealed class ServerGroup : IAsyncDisposable
{
    private readonly List<Func<Task>> _stops = new();

    public void Add<T>(T server, Func<T, Task> stop) => _stops.Add(() => stop(server));

    /// <summary>Adds a server whose start may still be running or may have failed (then nothing to stop).</summary>
    public async Task AddWhenStartedAsync<T>(Task<T> start, Func<T, Task> stop)
    {
        try { Add(await start, stop); }
        catch { /* it never started */ }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _stops.Count - 1; i >= 0; i--) await _stops[i]();
        _stops.Clear();
    }
}
