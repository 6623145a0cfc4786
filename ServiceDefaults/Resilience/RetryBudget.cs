namespace Mesh.ServiceDefaults.Resilience;

/// <summary>
/// Counts calls and retries of one client over a sliding window (ten buckets) and allows a retry only while
/// retries stay under <c>calls × Ratio + MinRetries</c>. When everything fails, attempts are therefore capped
/// near (1 + Ratio) × calls, so a client cannot triple the load on a service that is already struggling.
/// </summary>
public sealed class RetryBudget
{
    private const int Buckets = 10;
    private readonly object _gate = new();
    private readonly RetryBudgetOptions _options;
    private readonly TimeProvider _clock;
    private readonly long _bucketTicks;
    private readonly long[] _bucketIds = new long[Buckets];
    private readonly int[] _calls = new int[Buckets];
    private readonly int[] _retries = new int[Buckets];

    public RetryBudget(RetryBudgetOptions options, TimeProvider clock)
    {
        _options = options;
        _clock = clock;
        _bucketTicks = Math.Max(1, options.Window.Ticks / Buckets);
        Array.Fill(_bucketIds, -1);
    }

    /// <summary>A call (first attempt) started: it earns the budget its share of a retry.</summary>
    public void RecordCall()
    {
        lock (_gate) _calls[Current()]++;
    }

    /// <summary>Takes one retry from the budget, or says no when the window has used its share.</summary>
    public bool TryRetry()
    {
        lock (_gate)
        {
            var bucket = Current();
            long calls = 0, retries = 0;
            for (var i = 0; i < Buckets; i++)
            {
                calls += _calls[i];
                retries += _retries[i];
            }
            if (retries >= calls * _options.Ratio + _options.MinRetries) return false;
            _retries[bucket]++;
            return true;
        }
    }

    /// <summary>The bucket for now, cleared first if it last held an older slice of time.</summary>
    private int Current()
    {
        var id = _clock.GetUtcNow().UtcTicks / _bucketTicks;
        var index = (int)(id % Buckets);
        if (_bucketIds[index] != id)
        {
            _bucketIds[index] = id;
            _calls[index] = 0;
            _retries[index] = 0;
        }
        // Buckets older than the window are stale even if their slot was not reused yet.
        for (var i = 0; i < Buckets; i++)
        {
            if (_bucketIds[i] >= 0 && id - _bucketIds[i] >= Buckets)
            {
                _bucketIds[i] = -1;
                _calls[i] = 0;
                _retries[i] = 0;
            }
        }
        return index;
    }
}
