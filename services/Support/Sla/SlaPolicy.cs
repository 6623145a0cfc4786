using Mesh.Support.Tickets;

namespace Mesh.Support.Sla;

/// <summary>A ticket's priority and deadlines from configuration (<see cref="SupportOptions.Sla"/>).</summary>
public sealed class SlaPolicy(SupportOptions options)
{
    public static readonly string[] Priorities = ["low", "normal", "high", "urgent"];

    public string DefaultPriority(string category) =>
        options.DefaultPriorities.TryGetValue(category, out var priority) && Priorities.Contains(priority) ? priority : "normal";

    public SlaTarget TargetFor(string category, string priority) =>
        options.Sla.TryGetValue($"{category}/{priority}", out var specific) ? specific
        : options.Sla.TryGetValue(priority, out var general) ? general
        : throw new InvalidOperationException($"Support:Sla has no deadlines for priority {priority}.");

    /// <summary>Sets the deadlines of <paramref name="ticket"/> from its category, priority and creation time.</summary>
    public void Apply(TicketRecord ticket)
    {
        var target = TargetFor(ticket.Category, ticket.Priority);
        ticket.FirstResponseDeadline = ticket.CreateTime + target.FirstResponse;
        ticket.ResolutionDeadline = ticket.CreateTime + target.Resolution;
    }
}
