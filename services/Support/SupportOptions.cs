namespace Mesh.Support;

/// <summary><c>Support</c> configuration; every default is the production value.</summary>
public sealed class SupportOptions
{
    public const string SectionName = "Support";

    /// <summary>Connection string name (ConnectionStrings:{name}).</summary>
    public string Database { get; set; } = "supportdb";

    /// <summary>How long after its resolution a ticket may still be reopened.</summary>
    public TimeSpan ReopenWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The longest the SLA watch sleeps between rounds (it wakes earlier, at the next deadline it knows of).</summary>
    public TimeSpan SlaCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Whether this replica runs the SLA watch (every replica may: a breach is recorded once in the database).</summary>
    public bool RunSlaWatch { get; set; } = true;

    /// <summary>The priority a new ticket of a category gets (category → priority); others get <c>normal</c>.</summary>
    public Dictionary<string, string> DefaultPriorities { get; set; } = new(StringComparer.Ordinal)
    {
        ["payment"] = "high",
    };

    /// <summary>
    /// Deadlines per priority (keys low, normal, high, urgent), and per category and priority ("payment/high"), which
    /// wins when present. A ticket's deadlines are its creation time plus these.
    /// </summary>
    public Dictionary<string, SlaTarget> Sla { get; set; } = new(StringComparer.Ordinal)
    {
        ["low"] = new() { FirstResponse = TimeSpan.FromHours(24), Resolution = TimeSpan.FromDays(5) },
        ["normal"] = new() { FirstResponse = TimeSpan.FromHours(8), Resolution = TimeSpan.FromDays(3) },
        ["high"] = new() { FirstResponse = TimeSpan.FromHours(2), Resolution = TimeSpan.FromDays(1) },
        ["urgent"] = new() { FirstResponse = TimeSpan.FromMinutes(30), Resolution = TimeSpan.FromHours(8) },
    };
}

/// <summary>How soon an agent must first answer a ticket, and how soon it must be resolved.</summary>
public sealed class SlaTarget
{
    public TimeSpan FirstResponse { get; set; }
    public TimeSpan Resolution { get; set; }
}
