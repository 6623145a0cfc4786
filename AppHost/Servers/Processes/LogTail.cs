namespace Mesh.Servers.Processes;

/// <summary>
/// Keeps the last lines a process printed (for error messages) and appends every line to a log file
/// (for people). Thread-safe: stdout and stderr arrive on different threads.
/// </summary>
public sealed class LogTail : IDisposable
{
    private readonly Queue<string> _lines = new();
    private readonly int _capacity;
    private readonly StreamWriter? _file;
    private readonly Lock _gate = new();
    private long _written; // lines ever added: their sequence numbers, so a follower can tell history from news

    public LogTail(string? filePath, int capacity = 200)
    {
        _capacity = capacity;
        if (filePath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(filePath)!);
            _file = new StreamWriter(new FileStream(filePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }
        FilePath = filePath;
    }

    public string? FilePath { get; }

    /// <summary>Raised for every line, outside the lock (the dashboard and `up` follow logs with it).</summary>
    public event Action<string>? LineWritten;

    private event Action<long, string>? SequencedLineWritten;

    public void Add(string line)
    {
        long seq;
        lock (_gate)
        {
            seq = ++_written;
            _lines.Enqueue(line);
            while (_lines.Count > _capacity) _lines.Dequeue();
            try { _file?.WriteLine(line); } catch (ObjectDisposedException) { }
        }
        LineWritten?.Invoke(line);
        SequencedLineWritten?.Invoke(seq, line);
    }

    /// <summary>
    /// Gives the last <paramref name="count"/> lines to <paramref name="history"/>, then every later line to
    /// <paramref name="onLine"/>: each line exactly once and in order, even when lines arrive while following starts
    /// (Last() and then LineWritten could lose or repeat one). <paramref name="history"/> runs under this log's lock,
    /// so it must not call back into it.
    /// </summary>
    public void Follow(int count, Action<IReadOnlyList<string>> history, Action<string> onLine)
    {
        lock (_gate)
        {
            var seen = _written;
            history(_lines.Skip(Math.Max(0, _lines.Count - count)).ToArray());
            SequencedLineWritten += (seq, line) => { if (seq > seen) onLine(line); };
        }
    }

    /// <summary>The last <paramref name="count"/> lines, oldest first.</summary>
    public IReadOnlyList<string> Last(int count = 30)
    {
        lock (_gate) return _lines.Skip(Math.Max(0, _lines.Count - count)).ToArray();
    }

    public override string ToString() => string.Join(Environment.NewLine, Last());

    public void Dispose()
    {
        lock (_gate) _file?.Dispose();
    }
}
