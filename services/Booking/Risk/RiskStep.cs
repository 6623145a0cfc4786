using Mesh.Analytics.V1;
using Mesh.ServiceDefaults.Risk;

namespace Mesh.Booking.Risk;

/// <summary>
/// Where holds and checkouts ask the analytics service whether the action looks like fraud or a bot (CheckRisk).
/// <see cref="CheckAsync"/> returns when the action may go ahead and throws FAILED_PRECONDITION RISK_BLOCKED when
/// analytics says BLOCK. Without analytics in the mesh it is <see cref="NoRiskChecks"/>, like NoDiscounts.
/// </summary>
public interface IRiskStep
{
    Task CheckAsync(RiskAction action, string userId, string item, ServerCallContext context);
}

/// <summary>Booking run without the analytics service: every action goes ahead.</summary>
public sealed class NoRiskChecks : IRiskStep
{
    public Task CheckAsync(RiskAction action, string userId, string item, ServerCallContext context) => Task.CompletedTask;
}

/// <summary>
/// CheckRisk with a tight deadline (Booking:RiskCheckTimeout, 100 ms by default); analytics down, slow or failing lets the
/// action go ahead and logs why (fail open: a hold or a sale is never lost to an advisory check, docs/decisions/0014).
/// A CHALLENGE goes ahead too (booking has no challenge step yet) and is logged; the case is open in analytics.
/// </summary>
public sealed class AnalyticsRiskStep(Mesh.Analytics.V1.Analytics.AnalyticsClient analytics, BookingOptions options, ILogger<AnalyticsRiskStep> logger) : IRiskStep
{
    public async Task CheckAsync(RiskAction action, string userId, string item, ServerCallContext context)
    {
        var signals = CallerSignals.From(context);
        var request = new CheckRiskRequest { Action = action, UserId = userId, Item = item, Ip = signals.Ip, DeviceId = signals.DeviceId };
        if (signals.UserAgent.Length > 0) request.Attributes["user_agent"] = signals.UserAgent;
        var answer = await FailOpen.CallAsync(
            ct => analytics.CheckRiskAsync(request, deadline: DateTime.UtcNow + options.RiskCheckTimeout, cancellationToken: ct).ResponseAsync,
            logger, $"CheckRisk for {action} of user {userId}", context.CancellationToken);
        switch (answer?.Decision)
        {
            case RiskDecision.Block:
                logger.LogWarning("Risk BLOCK of {Action} by user {UserId}: {Reasons} (case {CaseId})", action, userId, string.Join(",", answer.Reasons), answer.CaseId);
                throw HoldErrors.RiskBlocked(action.ToString(), answer.Reasons, answer.CaseId);
            case RiskDecision.Challenge:
                logger.LogInformation("Risk CHALLENGE of {Action} by user {UserId}: {Reasons} (case {CaseId}); allowed", action, userId, string.Join(",", answer.Reasons), answer.CaseId);
                break;
        }
    }
}
