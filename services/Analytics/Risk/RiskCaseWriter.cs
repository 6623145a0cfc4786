using System.Threading.Channels;
using Mesh.Analytics.V1;

namespace Mesh.Analytics.Risk;

/// <summary>
/// Opens risk cases with group commit: CheckRisk hands its case here and waits until it is committed, while one writer
/// inserts every case waiting at that moment in one statement and one transaction. A case still costs its caller a
/// durable commit, but concurrent CHALLENGE / BLOCK answers share it instead of each opening a connection and waiting for
/// its own WAL flush — at 1,000 calls/s with many blocked that flush per call was the longest wait on CheckRisk's path.
/// </summary>
public sealed class RiskCaseWriter : IAsyncDisposable
{
    /// <summary>Cases in one insert at most.</summary>
    public const int MaxBatch = 500;

    private sealed record Pending(RiskCaseStore.NewCase Case, TaskCompletionSource Committed);

    private readonly RiskCaseStore _store;
    private readonly ILogger<RiskCaseWriter> _logger;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public RiskCaseWriter(RiskCaseStore store, ILogger<RiskCaseWriter> logger)
    {
        _store = store;
        _logger = logger;
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>The case's id once the case is committed (uuid v7 of <paramref name="now"/>: the list's newest-first order).</summary>
    public async Task<Guid> OpenAsync(CheckRiskRequest request, RiskDecision decision, IReadOnlyList<string> reasons, DateTime now, CancellationToken cancellationToken)
    {
        var pending = new Pending(new RiskCaseStore.NewCase(Guid.CreateVersion7(new DateTimeOffset(now)), request, decision, reasons, now),
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_pending.Writer.TryWrite(pending)) throw new RpcException(new Status(StatusCode.Unavailable, "The service is stopping."));
        // A caller that gives up still has its case written: the decision was made and counted in the windows.
        await pending.Committed.Task.WaitAsync(cancellationToken);
        return pending.Case.Id;
    }

    private async Task WriteAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var pending)) batch.Add(pending);
            try
            {
                await _store.InsertAsync([.. batch.Select(p => p.Case)], CancellationToken.None);
                foreach (var p in batch) p.Committed.TrySetResult();
            }
            catch (Exception ex)
            {
                // Each waiting CheckRisk fails (its callers fail open, as when analytics is down); the next batch tries again.
                _logger.LogWarning(ex, "Opening {Count} risk cases failed", batch.Count);
                foreach (var p in batch) p.Committed.TrySetException(ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
    }
}
