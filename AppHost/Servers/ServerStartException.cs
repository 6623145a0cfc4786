namespace Mesh.Servers;

/// <summary>A server or service failed to start: names it, says why, and carries the end of its log.</summary>
public sealed class ServerStartException : Exception
{
    public ServerStartException(string name, string reason, string logTail)
        : base($"{name} failed to start: {reason}" + (string.IsNullOrWhiteSpace(logTail) ? "" : $"{Environment.NewLine}--- last lines of {name}'s log ---{Environment.NewLine}{logTail}"))
    {
        ServerName = name;
        Reason = reason;
        LogTail = logTail;
    }

    public string ServerName { get; }
    public string Reason { get; }
    public string LogTail { get; }
}
